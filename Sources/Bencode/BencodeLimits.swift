/// Bounds the decoder enforces, so hostile input costs bounded memory and time.
///
/// Contract: every limit is checked before the memory it guards is allocated. Exceeding one makes
/// decoding fail with the matching ``BencodeError/Reason`` at the offset where it was exceeded.
/// Negative values behave like zero.
public struct BencodeLimits: Hashable, Sendable {
    /// Deepest container nesting allowed. A top-level list or dictionary is at depth 1, scalars add no
    /// depth; `0` allows only a single integer or byte string. Default 64. Parsing itself needs no native
    /// stack, but destroying or encoding a value recurses once per level, so keep this in the hundreds.
    public var maxDepth: Int
    /// Longest byte string (as declared by its length prefix), in bytes. Default 16 MiB, enough for the
    /// `pieces` string of a ~200 GB torrent with 256 KiB pieces.
    public var maxStringLength: Int
    /// Largest input accepted, in bytes. Default 32 MiB.
    public var maxInputSize: Int
    /// Most items in one input: every value (scalars and containers, at any depth) and every dictionary
    /// key counts as one item. Default 2,000,000 (a 100,000-file torrent uses about 1.1 million).
    public var maxItems: Int

    /// Creates limits; omitted arguments take the ``default`` values.
    public init(
        maxDepth: Int = 64,
        maxStringLength: Int = 16 << 20,
        maxInputSize: Int = 32 << 20,
        maxItems: Int = 2_000_000
    ) {
        self.maxDepth = maxDepth
        self.maxStringLength = maxStringLength
        self.maxInputSize = maxInputSize
        self.maxItems = maxItems
    }

    /// Limits sized for .torrent files and anything else read from disk or a tracker.
    public static let `default` = BencodeLimits()

    /// Tighter limits for peer-wire extension messages (BEP 10 handshakes, BEP 9 metadata headers):
    /// depth 16, strings up to 1 MiB, input up to 1 MiB, 65,536 items.
    public static let peerMessage = BencodeLimits(
        maxDepth: 16,
        maxStringLength: 1 << 20,
        maxInputSize: 1 << 20,
        maxItems: 65_536
    )
}
