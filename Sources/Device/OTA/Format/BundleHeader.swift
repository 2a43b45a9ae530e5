/// The fixed 16 bytes at the start of every bundle: magic `RILLBNDL`, format version (big-endian UInt16),
/// reserved flags (UInt16, must be 0) and the manifest length (big-endian UInt32). See docs/OTA.md.
public struct BundleHeader: Sendable, Equatable {
    /// The first eight bytes of every bundle.
    public static let magic: [UInt8] = Array("RILLBNDL".utf8)
    /// The only format version this build reads and writes.
    public static let currentFormatVersion: UInt16 = 1
    /// Bytes in the header.
    public static let size = 16
    /// Bytes in the Ed25519 signature that follows the manifest.
    public static let signatureSize = 64

    public let formatVersion: UInt16
    public let manifestLength: Int

    /// A header for a manifest of `manifestLength` bytes, in the current format.
    public init(manifestLength: Int) {
        formatVersion = Self.currentFormatVersion
        self.manifestLength = manifestLength
    }

    /// Parses the first `size` bytes of a bundle, checking the manifest length against `limits`.
    public init(parsing bytes: some Collection<UInt8>, limits: BundleLimits) throws(BundleFormatError) {
        let header = Array(bytes.prefix(Self.size))
        guard header.count == Self.size else {
            throw BundleFormatError(field: "header", offset: header.count, reason: .truncated)
        }
        guard header[0..<8].elementsEqual(Self.magic) else {
            throw BundleFormatError(field: "header.magic", offset: 0, reason: .badMagic)
        }
        let version = UInt16(header[8]) << 8 | UInt16(header[9])
        guard version == Self.currentFormatVersion else {
            throw BundleFormatError(field: "header.format-version", offset: 8, reason: .unsupportedFormatVersion(version))
        }
        guard header[10] == 0, header[11] == 0 else {
            throw BundleFormatError(field: "header.flags", offset: 10, reason: .reservedBitsSet)
        }
        let length = header[12..<16].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0 else {
            throw BundleFormatError(field: "header.manifest-length", offset: 12, reason: .empty)
        }
        guard length <= limits.maxManifestBytes else {
            throw BundleFormatError(
                field: "header.manifest-length", offset: 12, reason: .tooLarge(length, limit: limits.maxManifestBytes)
            )
        }
        formatVersion = version
        manifestLength = length
    }

    /// The header's 16 bytes.
    public var bytes: [UInt8] {
        let length = UInt32(truncatingIfNeeded: manifestLength)
        return Self.magic + [UInt8(formatVersion >> 8), UInt8(formatVersion & 0xFF), 0, 0]
            + [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
    }

    /// Where the signature starts in the bundle.
    public var signatureOffset: Int { Self.size + manifestLength }
    /// Where the first image starts in the bundle; image offsets in the manifest count from here.
    public var payloadOffset: Int { signatureOffset + Self.signatureSize }
}
