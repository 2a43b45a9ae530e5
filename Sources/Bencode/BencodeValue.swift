/// One bencoded value (BEP 3): an integer, a byte string, a list or a dictionary.
///
/// Contract:
/// - Byte strings are raw bytes and are *not* assumed to be UTF-8 (`pieces`, peer IDs and compact peer
///   lists are binary). Use ``string`` to read one as text when it happens to be valid UTF-8.
/// - Integers are signed 64-bit; the decoder rejects anything outside `Int64`.
/// - A dictionary is a ``BencodeDictionary``, whose keys are byte strings kept in strictly ascending
///   bytewise order, so equal dictionaries compare equal and encode identically.
/// - Values are plain immutable data: `Hashable` and `Sendable`.
public enum BencodeValue: Hashable, Sendable {
    /// An integer, `i<digits>e` on the wire.
    case integer(Int64)
    /// A byte string, `<length>:<bytes>` on the wire. Not necessarily UTF-8.
    case bytes([UInt8])
    /// A list, `l<values>e` on the wire.
    case list([BencodeValue])
    /// A dictionary, `d<key><value>...e` on the wire, keys sorted by raw bytes.
    case dictionary(BencodeDictionary)
}
