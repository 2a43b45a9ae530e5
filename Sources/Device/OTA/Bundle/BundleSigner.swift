#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Signs a bundle offline (`rill bundle sign`): the build host makes an unsigned bundle (`rill bundle create
/// --unsigned`, 64 zero bytes where the signature goes), and the machine that holds the key checks it and writes the
/// signature into it. Before signing, the whole bundle is read as the device would (header, manifest, limits, every
/// image's SHA-256; only the signature is not checked), so the key never signs a manifest whose images do not match.
///
/// The signature's 64 bytes are written in place and fsynced: a cut during that write leaves a bundle whose
/// signature does not verify, never one that verifies wrongly. Signing again (another key) replaces the signature.
public enum BundleSigner {
    /// Checks the bundle at `path` and writes `key`'s signature into it; returns the signed manifest.
    @discardableResult
    public static func sign(_ path: String, with key: BundleSigningKey, limits: BundleLimits = .standard) throws(BundleSignError) -> BundleManifest {
        var verifier = BundleVerifier(trustedKeys: [], policy: .integrityOnly, limits: limits, sink: DiscardingSink())
        verifier.checksSignature = false
        let file: OTAFile
        do {
            file = try OTAFile.open(path, flags: O_RDWR, mode: 0)
        } catch {
            throw .file(error)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while true {
            let result: Result<Int, OTAFileError> = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(OTAFileError) in try file.read(into: raw, at: offset) }
            }
            let count: Int
            do {
                count = try result.get()
            } catch {
                throw .file(error)
            }
            if count == 0 { break }
            do {
                try verifier.consume(buffer[..<count])
            } catch {
                throw .bundle(error)
            }
            offset += count
        }
        let verified: VerifiedBundle
        do {
            verified = try verifier.finish()
        } catch {
            throw .bundle(error)
        }
        let manifestBytes = verified.manifest.canonicalBytes
        let header = BundleHeader(manifestLength: manifestBytes.count)
        let signed = header.bytes + manifestBytes
        do {
            let signature = try key.sign(signed)
            try file.write(signature, at: header.signatureOffset)
            try file.sync()
            try file.close()
        } catch let error as BundleKeyError {
            throw .key(error)
        } catch let error as OTAFileError {
            throw .file(error)
        } catch {
            throw .file(OTAFileError(path: path, operation: "sign", errno: 0))
        }
        return verified.manifest
    }
}

/// `rill bundle sign` failed.
public enum BundleSignError: Error, Sendable, Equatable, CustomStringConvertible {
    case file(OTAFileError)
    /// The bundle is not one the device would accept once signed (malformed, truncated, an image's hash wrong).
    case bundle(BundleError)
    case key(BundleKeyError)

    public var description: String {
        switch self {
        case .file(let error): error.description
        case .bundle(let error): "not signed: \(error)"
        case .key(let error): error.description
        }
    }
}
