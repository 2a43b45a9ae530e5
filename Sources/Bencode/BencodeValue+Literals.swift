/// Literal syntax for building values in code (extension handshakes, tests):
/// `["m": ["ut_metadata": 3], "v": "Rill 0.1"]`. String literals become their UTF-8 bytes.
extension BencodeValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// An ``integer(_:)``.
    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }

    /// A ``bytes(_:)`` holding the UTF-8 of `value`.
    public init(stringLiteral value: String) {
        self = .bytes(Array(value.utf8))
    }

    /// A ``list(_:)``.
    public init(arrayLiteral elements: BencodeValue...) {
        self = .list(elements)
    }

    /// A ``dictionary(_:)`` keyed by the UTF-8 of each key; the last value wins when a key repeats.
    public init(dictionaryLiteral elements: (String, BencodeValue)...) {
        self = .dictionary(BencodeDictionary(elements.lazy.map { (key: Array($0.0.utf8), value: $0.1) }))
    }

    /// A ``bytes(_:)`` holding the UTF-8 of `text`.
    public init(_ text: some StringProtocol) {
        self = .bytes(Array(text.utf8))
    }
}
