/// Why and where bencoded input was rejected.
///
/// Contract: ``offset`` is the zero-based index, counted from the first byte of the input the decoder
/// was given (for an `ArraySlice`, from its `startIndex`), of the byte at which the problem was found.
/// Each ``Reason`` documents which byte that is. Decoding reports the first problem met in a single
/// left-to-right pass, with one exception noted at ``Reason/duplicateKey``.
public struct BencodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Hashable, Sendable, CaseIterable {
        /// The input ended where more bytes were required; the offset is the input's length.
        case unexpectedEnd
        /// A byte that the grammar does not allow at this point (for example a non-digit in an
        /// integer, a non-string dictionary key, or a value that starts with no valid tag).
        case invalidCharacter
        /// An integer or a string length with a superfluous leading `0`; the offset is that `0`.
        case leadingZero
        /// The integer `i-0e`; the offset is the `-`.
        case negativeZero
        /// An integer outside `Int64`; the offset is the digit that made it overflow.
        case integerOverflow
        /// A dictionary key not greater than the one before it, when sorted keys are required;
        /// the offset is the start of that key.
        case unsortedKeys
        /// A dictionary key that repeats an earlier one; the offset is the start of the repeat. In a
        /// dictionary whose keys are out of order (tolerated by default), repeats are found when its
        /// closing `e` is read; the offset is then the earliest repeat in that dictionary.
        case duplicateKey
        /// A byte string whose declared length exceeds ``BencodeLimits/maxStringLength``; the offset is
        /// the first digit of the length.
        case stringTooLong
        /// A list or dictionary nested deeper than ``BencodeLimits/maxDepth``; the offset is its `l`/`d`.
        case depthExceeded
        /// Bytes after a complete top-level value; the offset is the first of them.
        case trailingData
        /// The input is longer than ``BencodeLimits/maxInputSize`` (or, for a prefix decode, the value
        /// runs past it); the offset is the limit, the first byte not allowed.
        case inputTooLarge
        /// More than ``BencodeLimits/maxItems`` values and keys; the offset is the start of the first
        /// item over the limit.
        case tooManyItems
    }

    /// What was wrong.
    public let reason: Reason
    /// Where it was found, in bytes from the start of the input.
    public let offset: Int

    /// Creates an error.
    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// For example `bencode: leadingZero at byte 3`.
    public var description: String {
        "bencode: \(reason) at byte \(offset)"
    }
}
