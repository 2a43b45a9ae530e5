/// The most a bundle may declare. The verifier checks every field against these before it buffers or writes
/// anything, so a hostile header cannot make the device allocate or write more than this.
public struct BundleLimits: Sendable, Equatable {
    /// Largest manifest in bytes (the manifest and signature are the only bytes the verifier buffers).
    public var maxManifestBytes: Int
    /// Most images in one bundle.
    public var maxImages: Int
    /// Longest image name in bytes.
    public var maxNameBytes: Int
    /// Longest board name in bytes.
    public var maxBoardBytes: Int
    /// Most entries in the compatible-boards list.
    public var maxCompatibleBoards: Int
    /// Largest single image in bytes.
    public var maxImageBytes: Int
    /// Largest payload (all images together) in bytes.
    public var maxPayloadBytes: Int

    public init(
        maxManifestBytes: Int = 16 * 1024, maxImages: Int = 8, maxNameBytes: Int = 64, maxBoardBytes: Int = 32,
        maxCompatibleBoards: Int = 16, maxImageBytes: Int = 4 << 30, maxPayloadBytes: Int = 8 << 30
    ) {
        self.maxManifestBytes = maxManifestBytes
        self.maxImages = maxImages
        self.maxNameBytes = maxNameBytes
        self.maxBoardBytes = maxBoardBytes
        self.maxCompatibleBoards = maxCompatibleBoards
        self.maxImageBytes = maxImageBytes
        self.maxPayloadBytes = maxPayloadBytes
    }

    /// The limits the device and `rill bundle` use.
    public static let standard = BundleLimits()
}
