/// What a bundle holds and what it may be installed over. Signed as a whole; the verifier trusts no field before the
/// signature checks out. Its canonical text form (one `key value...` line each, in a fixed order) is in docs/OTA.md.
public struct BundleManifest: Sendable, Equatable {
    /// The version of the system the bundle installs.
    public var version: BundleVersion
    /// The board the bundle was built for.
    public var board: String
    /// Every board the images run on, ascending, without duplicates, including `board`.
    public var compatibleBoards: [String]
    /// The oldest running version that may install this bundle (older systems must update in steps).
    public var minimumVersion: BundleVersion
    /// When the bundle was built, in seconds since 1970 (UTC).
    public var created: Int
    /// The payload images in payload order; the first starts at offset 0 and each follows the one before.
    public var images: [BundleImage]

    public init(
        version: BundleVersion, board: String, compatibleBoards: [String], minimumVersion: BundleVersion, created: Int,
        images: [BundleImage]
    ) {
        self.version = version
        self.board = board
        self.compatibleBoards = compatibleBoards
        self.minimumVersion = minimumVersion
        self.created = created
        self.images = images
    }

    /// Parses the canonical text form. `baseOffset` is where the manifest starts in the bundle file, so errors
    /// name offsets in the file. Anything but the exact canonical form is refused.
    public init(
        parsing bytes: some Collection<UInt8>, baseOffset: Int = BundleHeader.size, limits: BundleLimits = .standard
    ) throws(BundleFormatError) {
        var parser = ManifestParser(bytes: Array(bytes), baseOffset: baseOffset, limits: limits)
        self = try parser.parse()
    }

    /// Total bytes of all images.
    public var payloadSize: Int { images.reduce(0) { $0 + $1.size } }

    /// True when the bundle's images run on `board`.
    public func runs(on board: String) -> Bool { compatibleBoards.contains(board) }

    /// The canonical text form: what is signed and what `init(parsing:)` reads back to an equal value.
    public var canonicalBytes: [UInt8] {
        var text = "version \(version)\nboard \(board)\ncompatible \(compatibleBoards.joined(separator: " "))\n"
        text += "min-version \(minimumVersion)\ncreated \(created)\n"
        for image in images {
            text += "image \(image.name) \(image.offset) \(image.size) \(Hex.encode(image.sha256))\n"
        }
        return Array(text.utf8)
    }
}

/// One image in a bundle's payload (`system.squashfs`, `boot.vfat`): its name, where it lies in the payload and
/// the SHA-256 its bytes must have.
public struct BundleImage: Sendable, Equatable {
    /// 1 to `maxNameBytes` of `a-z 0-9 . _ -`, starting with a letter or digit: safe as a file name.
    public var name: String
    /// Offset from the start of the payload (the byte after the signature).
    public var offset: Int
    /// Bytes in the image, at least 1.
    public var size: Int
    /// The SHA-256 of the image's bytes (32 bytes).
    public var sha256: [UInt8]

    public init(name: String, offset: Int, size: Int, sha256: [UInt8]) {
        self.name = name
        self.offset = offset
        self.size = size
        self.sha256 = sha256
    }

    /// The SHA-256 as 64 lowercase hex digits, as the manifest spells it.
    public var sha256Hex: String { Hex.encode(sha256) }
}
