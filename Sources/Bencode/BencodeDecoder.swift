/// Decodes BEP 3 bencoding into ``BencodeValue``s, within ``BencodeLimits``.
///
/// Contract:
/// - Never traps on any input: malformed, truncated or hostile bytes produce a ``BencodeError`` with
///   the offset and reason (typed throws). Memory and time are bounded by ``limits``.
/// - Accepts exactly BEP 3: integers without leading zeros or `-0`, string lengths without leading
///   zeros, byte-string dictionary keys, no repeated keys. Keys out of order are tolerated by default
///   (real .torrent files have them) and sorted; set ``requireSortedKeys`` to reject them.
/// - Offsets count from the first byte of the given input (for an `ArraySlice`, its `startIndex`).
/// - A value type with no shared state: safe to use from any thread.
public struct BencodeDecoder: Sendable {
    /// The bounds enforced on every input.
    public var limits: BencodeLimits
    /// When `true`, dictionary keys out of bytewise order fail with ``BencodeError/Reason/unsortedKeys``.
    public var requireSortedKeys: Bool

    /// Creates a decoder.
    public init(limits: BencodeLimits = .default, requireSortedKeys: Bool = false) {
        self.limits = limits
        self.requireSortedKeys = requireSortedKeys
    }

    /// Decodes a buffer holding exactly one value; anything after it is
    /// ``BencodeError/Reason/trailingData``.
    public func decode(_ input: UnsafeRawBufferPointer) throws(BencodeError) -> BencodeValue {
        try decodeWhole(input, recordsRanges: false).value
    }

    /// Decodes bytes holding exactly one value (arrays and slices are read in place).
    public func decode(_ input: some Collection<UInt8>) throws(BencodeError) -> BencodeValue {
        try withRawBytes(input) { buffer throws(BencodeError) in try decode(buffer) }
    }

    /// Decodes one value from the front of a buffer and says how many bytes it used; the rest is left
    /// alone (a BEP 9 metadata message is a dictionary followed by raw data). The size limit applies to
    /// the value, not to the buffer.
    public func decodePrefix(_ input: UnsafeRawBufferPointer) throws(BencodeError) -> (value: BencodeValue, count: Int) {
        var parser = Parser(input: input, limits: limits, requireSortedKeys: requireSortedKeys, recordsRanges: false)
        let value = try parser.parseValue()
        return (value, parser.position)
    }

    /// Decodes one value from the front of some bytes; as the buffer overload does.
    public func decodePrefix(_ input: some Collection<UInt8>) throws(BencodeError) -> (value: BencodeValue, count: Int) {
        try withRawBytes(input) { buffer throws(BencodeError) in try decodePrefix(buffer) }
    }

    /// Decodes a buffer holding exactly one value and records the byte range of each top-level
    /// dictionary value, for hashing the `info` dictionary exactly as it appears. See ``BencodeDocument``.
    public func decodeWithSpans(_ input: UnsafeRawBufferPointer) throws(BencodeError) -> BencodeDocument {
        try decodeWhole(input, recordsRanges: true)
    }

    /// Decodes bytes holding exactly one value, with the ranges of the top-level dictionary's values.
    public func decodeWithSpans(_ input: some Collection<UInt8>) throws(BencodeError) -> BencodeDocument {
        try withRawBytes(input) { buffer throws(BencodeError) in try decodeWithSpans(buffer) }
    }

    private func decodeWhole(_ input: UnsafeRawBufferPointer, recordsRanges: Bool) throws(BencodeError) -> BencodeDocument {
        let allowed = max(0, limits.maxInputSize)
        guard input.count <= allowed else { throw BencodeError(.inputTooLarge, at: allowed) }
        var parser = Parser(
            input: input,
            limits: limits,
            requireSortedKeys: requireSortedKeys,
            recordsRanges: recordsRanges
        )
        let value = try parser.parseValue()
        guard parser.position == input.count else { throw BencodeError(.trailingData, at: parser.position) }
        return BencodeDocument(value: value, valueRanges: parser.valueRanges)
    }
}

/// Runs `body` on the bytes of `collection` in place when they are contiguous, else on a copy.
private func withRawBytes<Result>(
    _ collection: some Collection<UInt8>,
    _ body: (UnsafeRawBufferPointer) throws(BencodeError) -> Result
) throws(BencodeError) -> Result {
    let inPlace = collection.withContiguousStorageIfAvailable { buffer in
        Swift.Result { () throws(BencodeError) in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let inPlace { return try inPlace.get() }
    return try Array(collection).withUnsafeBytes { buffer in
        Swift.Result { () throws(BencodeError) in try body(buffer) }
    }.get()
}
