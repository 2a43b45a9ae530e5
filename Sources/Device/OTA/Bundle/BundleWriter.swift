import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Builds a signed bundle from image files on the build host (`rill bundle create`).
///
/// Each image is hashed once to write the manifest, then copied into the bundle while hashed again: an image that
/// changes in between is an error, never a bundle whose manifest lies. The bundle is written to `<out>.partial`,
/// fsynced and renamed into place. Memory: one 1 MiB copy buffer.
public struct BundleWriter: Sendable {
    /// One image to put in the bundle: its name in the manifest and the file holding it.
    public struct Input: Sendable, Equatable {
        public let name: String
        public let path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    public var version: BundleVersion
    public var board: String
    /// Further boards the images run on (`board` is always included).
    public var compatibleBoards: [String]
    public var minimumVersion: BundleVersion
    /// Seconds since 1970; pass `SOURCE_DATE_EPOCH` for reproducible bundles.
    public var created: Int
    /// The images, in payload order.
    public var images: [Input]
    public var limits: BundleLimits

    public init(
        version: BundleVersion, board: String, compatibleBoards: [String] = [], minimumVersion: BundleVersion,
        created: Int, images: [Input], limits: BundleLimits = .standard
    ) {
        self.version = version
        self.board = board
        self.compatibleBoards = compatibleBoards
        self.minimumVersion = minimumVersion
        self.created = created
        self.images = images
        self.limits = limits
    }

    /// Writes the bundle to `path`, signed with `signingKey` — or, with nil, unsigned (64 zero bytes in place of the
    /// signature, for `BundleSigner` to fill in offline); returns its manifest.
    @discardableResult
    public func write(to path: String, signingKey: BundleSigningKey?) throws(BundleWriteError) -> BundleManifest {
        var entries: [BundleImage] = []
        var offset = 0
        for input in images {
            let (size, digest) = try Self.digest(of: input.path)
            entries.append(BundleImage(name: input.name, offset: offset, size: size, sha256: digest))
            offset += size
        }
        let boards = Set(compatibleBoards + [board]).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let draft = BundleManifest(
            version: version, board: board, compatibleBoards: boards, minimumVersion: minimumVersion, created: created,
            images: entries
        )
        let manifestBytes = draft.canonicalBytes
        let manifest: BundleManifest
        do {
            // What the device will parse, checked here: names, limits, order.
            _ = try BundleHeader(parsing: BundleHeader(manifestLength: manifestBytes.count).bytes, limits: limits)
            manifest = try BundleManifest(parsing: manifestBytes, limits: limits)
        } catch {
            throw .manifest(error)
        }
        let signed = BundleHeader(manifestLength: manifestBytes.count).bytes + manifestBytes
        var signature = [UInt8](repeating: 0, count: BundleHeader.signatureSize)
        if let signingKey {
            do {
                signature = try signingKey.sign(signed)
            } catch {
                throw .key(error)
            }
        }

        let partial = path + ".partial"
        do throws(OTAFileError) {
            let out = try OTAFile.open(partial, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try out.write(signed + signature)
            for (input, image) in zip(images, manifest.images) {
                guard try Self.copy(input.path, into: out) == (image.size, image.sha256) else {
                    throw OTAFileError(path: input.path, operation: "copy (the file changed while the bundle was written)", errno: 0)
                }
            }
            try out.sync()
            try out.close()
            guard rename(partial, path) == 0 else { throw OTAFileError(path: path, operation: "rename", errno: errno) }
            try DurableFile.syncFolder(of: path)
        } catch {
            _ = unlink(partial)
            throw .file(error)
        }
        return manifest
    }

    /// The size and SHA-256 of a file, read in 1 MiB chunks.
    private static func digest(of path: String) throws(BundleWriteError) -> (Int, [UInt8]) {
        do {
            return try copy(path, into: nil)
        } catch {
            throw .file(error)
        }
    }

    /// Streams `path` into `out` (or nowhere), returning its size and SHA-256.
    private static func copy(_ path: String, into out: OTAFile?) throws(OTAFileError) -> (Int, [UInt8]) {
        let file = try OTAFile.reading(path)
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var size = 0
        while true {
            let result: Result<Int, OTAFileError> = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(OTAFileError) in try file.read(into: raw) }
            }
            let count = try result.get()
            if count == 0 { break }
            let written: Result<Void, OTAFileError> = buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[..<count])
                hasher.update(bufferPointer: chunk)
                return Result { () throws(OTAFileError) in try out?.write(chunk) }
            }
            try written.get()
            size += count
        }
        try file.close()
        return (size, Array(hasher.finalize()))
    }
}

/// `rill bundle create` failed: which file or field, and why.
public enum BundleWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    case file(OTAFileError)
    /// The manifest the inputs make is not one the device would accept (a bad name, too many images, too large).
    case manifest(BundleFormatError)
    case key(BundleKeyError)

    public var description: String {
        switch self {
        case .file(let error): error.description
        case .manifest(let error): "manifest: \(error)"
        case .key(let error): error.description
        }
    }
}
