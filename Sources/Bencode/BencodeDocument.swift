/// A decoded value together with where each top-level dictionary value sits in the input.
///
/// This exists for the info-hash: BEP 3 defines it as the SHA-1 of the `info` value's bytes exactly
/// as they appear in the .torrent file, which re-encoding cannot reproduce when the file is not
/// canonical. Hash `input[document.rawRange(ofKey: "info")!]` instead.
///
/// Contract: ranges are offsets from the first byte of the input given to the decoder (for an
/// `ArraySlice`, from its `startIndex`), spanning the value's encoding exactly (for a dictionary, from
/// its `d` through its closing `e`). Only the top-level value's own entries are recorded, and only
/// when it is a dictionary; otherwise there are none.
public struct BencodeDocument: Hashable, Sendable {
    /// The decoded value.
    public let value: BencodeValue
    /// The byte range of each top-level dictionary value, keyed by raw key bytes.
    public let valueRanges: [[UInt8]: Range<Int>]

    /// Creates a document.
    public init(value: BencodeValue, valueRanges: [[UInt8]: Range<Int>]) {
        self.value = value
        self.valueRanges = valueRanges
    }

    /// The byte range of the top-level value stored under the UTF-8 of `key`, or `nil`.
    public func rawRange(ofKey key: String) -> Range<Int>? {
        valueRanges[Array(key.utf8)]
    }

    /// The byte range of the top-level value stored under the raw `key`, or `nil`.
    public func rawRange(ofKey key: [UInt8]) -> Range<Int>? {
        valueRanges[key]
    }
}
