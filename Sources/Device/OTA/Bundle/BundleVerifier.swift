import Crypto

/// Checks a bundle as it streams in, in chunks of any size, and hands its images to a sink.
///
/// Memory is bounded by the manifest limit: only the header, manifest and signature are buffered (at most
/// `maxManifestBytes + 80` bytes); image bytes go from the caller's chunk to the hasher and the sink without a copy.
/// The signature is checked against the trusted keys, then the manifest is parsed and the policy applied, all before
/// the sink sees anything. Every image is hashed while it is written; a wrong hash, a short or an overlong bundle
/// is refused, the sink is told to abort, and every later call throws the same error.
public struct BundleVerifier<Sink: BundleImageSink> {
    private enum Phase {
        /// Collecting header, manifest and signature.
        case preamble
        /// Streaming image `index`, `remaining` bytes to go.
        case image(BundleManifest, index: Int, remaining: Int)
        case complete(BundleManifest)
        case failed(BundleError)
    }

    private let trustedKeys: [BundlePublicKey]
    /// What the device accepts beyond a valid signature.
    public let policy: BundlePolicy
    public let limits: BundleLimits
    /// Where the images go; read it after `finish` (a `SlotWriter` stages the slot from here).
    public private(set) var sink: Sink

    private var phase = Phase.preamble
    private var preamble: [UInt8] = []
    private var header: BundleHeader?
    private var hasher = SHA256()
    /// Bytes taken so far: the offset in the bundle of the next byte.
    public private(set) var bytesConsumed = 0
    /// The length the transport announced (an HTTP `Content-Length`), if any. Once the signed manifest is known, a
    /// bundle whose announced length is not header + manifest + signature + payload is refused before the sink hears
    /// of it, so a truncated (or padded) upload or download never touches a slot. Set it before the first byte.
    public var announcedLength: Int?
    /// False only for `BundleSigner`, which checks an unsigned bundle's manifest and images before signing it.
    var checksSignature = true

    /// A verifier that trusts bundles signed by any of `trustedKeys` (one, or two while keys are rotated).
    public init(trustedKeys: [BundlePublicKey], policy: BundlePolicy, limits: BundleLimits = .standard, sink: Sink) {
        self.trustedKeys = trustedKeys
        self.policy = policy
        self.limits = limits
        self.sink = sink
    }

    /// The bundle's whole length in bytes, once the signed manifest is known.
    public var expectedLength: Int? {
        guard let header, let manifest else { return nil }
        return header.payloadOffset + manifest.payloadSize
    }

    /// The signed manifest, once the signature and policy checked out.
    public var manifest: BundleManifest? {
        switch phase {
        case .image(let manifest, _, _), .complete(let manifest): manifest
        case .preamble, .failed: nil
        }
    }

    /// Takes the next bytes of the bundle.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {
        if case .failed(let error) = phase { throw error }
        do throws(BundleError) {
            var rest = chunk[...]
            while !rest.isEmpty {
                let taken = try step(UnsafeRawBufferPointer(rebasing: rest))
                rest = rest.dropFirst(taken)
            }
        } catch {
            fail(error)
            throw error
        }
    }

    /// Takes the next bytes of the bundle.
    public mutating func consume(_ chunk: ArraySlice<UInt8>) throws(BundleError) {
        let result: Result<Void, BundleError> = chunk.withUnsafeBytes { buffer in
            Result { () throws(BundleError) in try consume(buffer) }
        }
        try result.get()
    }

    /// Takes the next bytes of the bundle.
    public mutating func consume(_ chunk: [UInt8]) throws(BundleError) {
        try consume(chunk[...])
    }

    /// The bundle ended: returns what was verified, or throws when it was cut short (or failed before).
    public mutating func finish() throws(BundleError) -> VerifiedBundle {
        switch phase {
        case .complete(let manifest):
            return VerifiedBundle(manifest: manifest, size: bytesConsumed)
        case .failed(let error):
            throw error
        case .preamble:
            let part = header.map { bytesConsumed < $0.signatureOffset ? "manifest" : "signature" } ?? "header"
            let error = BundleError.truncated(part: part, received: bytesConsumed, expected: nil)
            fail(error)
            throw error
        case .image(let manifest, let index, _):
            let total = (header?.payloadOffset ?? 0) + manifest.payloadSize
            let error = BundleError.truncated(part: "image \(manifest.images[index].name)", received: bytesConsumed, expected: total)
            fail(error)
            throw error
        }
    }

    // MARK: Steps

    /// Consumes a prefix of `bytes` according to the phase; returns how many bytes it took (at least 1).
    private mutating func step(_ bytes: UnsafeRawBufferPointer) throws(BundleError) -> Int {
        switch phase {
        case .preamble:
            return try takePreamble(bytes)
        case .image(let manifest, let index, let remaining):
            let count = min(remaining, bytes.count)
            let part = UnsafeRawBufferPointer(rebasing: bytes[..<count])
            hasher.update(bufferPointer: part)
            do {
                try sink.write(part)
            } catch {
                throw .sink(error)
            }
            bytesConsumed += count
            if count < remaining {
                phase = .image(manifest, index: index, remaining: remaining - count)
            } else {
                try finishImage(manifest, index: index)
            }
            return count
        case .complete:
            throw .trailingBytes(offset: bytesConsumed)
        case .failed(let error):
            throw error
        }
    }

    private mutating func takePreamble(_ bytes: UnsafeRawBufferPointer) throws(BundleError) -> Int {
        let wanted = header.map { $0.payloadOffset } ?? BundleHeader.size
        let count = min(wanted - preamble.count, bytes.count)
        preamble.append(contentsOf: bytes[..<count])
        bytesConsumed += count
        guard preamble.count == wanted else { return count }

        guard let header else {
            do {
                let parsed = try BundleHeader(parsing: preamble, limits: limits)
                header = parsed
                preamble.reserveCapacity(parsed.payloadOffset)
            } catch {
                throw .malformed(error)
            }
            return count
        }
        let signed = Array(preamble[..<header.signatureOffset])
        let signature = Array(preamble[header.signatureOffset...])
        guard !checksSignature || trustedKeys.contains(where: { $0.isValidSignature(signature, for: signed) }) else {
            throw .badSignature(offset: header.signatureOffset)
        }
        let manifest: BundleManifest
        do {
            manifest = try BundleManifest(parsing: signed[BundleHeader.size...], limits: limits)
        } catch {
            throw .malformed(error)
        }
        try policy.check(manifest)
        if let announced = announcedLength {
            try Self.checkAnnounced(announced, header: header, manifest: manifest)
        }
        preamble = []
        do {
            try sink.prepare(for: manifest)
        } catch {
            throw .sink(error)
        }
        try startImage(manifest, index: 0)
        return count
    }

    /// Refuses a bundle whose announced length cannot hold what its manifest lists, or holds more.
    private static func checkAnnounced(_ announced: Int, header: BundleHeader, manifest: BundleManifest) throws(BundleError) {
        let total = header.payloadOffset + manifest.payloadSize
        if announced > total { throw .trailingBytes(offset: total) }
        guard announced < total else { return }
        let cut = announced - header.payloadOffset
        let image = manifest.images.first { cut < $0.offset + $0.size } ?? manifest.images[manifest.images.count - 1]
        throw .truncated(part: "image \(image.name)", received: announced, expected: total)
    }

    private mutating func startImage(_ manifest: BundleManifest, index: Int) throws(BundleError) {
        let image = manifest.images[index]
        hasher = SHA256()
        do {
            try sink.begin(image: image)
        } catch {
            throw .sink(error)
        }
        phase = .image(manifest, index: index, remaining: image.size)
    }

    private mutating func finishImage(_ manifest: BundleManifest, index: Int) throws(BundleError) {
        let image = manifest.images[index]
        let digest = Array(hasher.finalize())
        guard digest == image.sha256 else {
            let start = (header?.payloadOffset ?? 0) + image.offset
            throw .digestMismatch(image: image.name, offset: start, expected: image.sha256, actual: digest)
        }
        do {
            try sink.finish(image: image)
        } catch {
            throw .sink(error)
        }
        if index + 1 < manifest.images.count {
            try startImage(manifest, index: index + 1)
        } else {
            phase = .complete(manifest)
        }
    }

    private mutating func fail(_ error: BundleError) {
        if case .failed = phase { return }
        phase = .failed(error)
        preamble = []
        sink.abort()
    }
}

/// A bundle that verified completely: its signed manifest and its length. Only `BundleVerifier` makes these, so
/// holding one proves every image arrived with the right SHA-256.
public struct VerifiedBundle: Sendable, Equatable {
    public let manifest: BundleManifest
    /// Bytes in the bundle.
    public let size: Int

    init(manifest: BundleManifest, size: Int) {
        self.manifest = manifest
        self.size = size
    }
}
