/// A bencode dictionary: byte-string keys mapped to values, kept sorted by raw key bytes.
///
/// Contract:
/// - ``entries`` is always in strictly ascending bytewise key order, with no duplicate keys. This is the
///   canonical BEP 3 order, so ``BencodeEncoder`` writes entries as they are stored, and two dictionaries
///   with the same contents are equal regardless of how they were built.
/// - Lookup is a binary search, O(log n); insertion of a new key is O(n).
/// - It is a `RandomAccessCollection` of ``Entry`` in key order.
public struct BencodeDictionary: Hashable, Sendable {
    /// One key and its value.
    public struct Entry: Hashable, Sendable {
        /// The raw key bytes (not necessarily UTF-8).
        public let key: [UInt8]
        /// The value stored under ``key``.
        public var value: BencodeValue

        /// Creates an entry.
        public init(key: [UInt8], value: BencodeValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries, in strictly ascending bytewise key order.
    public private(set) var entries: [Entry]

    /// Creates an empty dictionary.
    public init() {
        entries = []
    }

    /// Creates a dictionary from key/value pairs in any order; when a key repeats, the last value wins.
    public init(_ pairs: some Sequence<(key: [UInt8], value: BencodeValue)>) {
        entries = []
        for pair in pairs {
            self[pair.key] = pair.value
        }
    }

    /// Wraps entries the caller has already sorted strictly ascending (the decoder does).
    init(sortedUniqueEntries: [Entry]) {
        entries = sortedUniqueEntries
    }

    /// The value stored under `key`, or `nil`. Setting `nil` removes the key.
    public subscript(key: [UInt8]) -> BencodeValue? {
        get {
            switch search(key) {
            case .found(let index): entries[index].value
            case .insertAt: nil
            }
        }
        set {
            switch (search(key), newValue) {
            case (.found(let index), let value?): entries[index].value = value
            case (.found(let index), nil): entries.remove(at: index)
            case (.insertAt(let index), let value?): entries.insert(Entry(key: key, value: value), at: index)
            case (.insertAt, nil): break
            }
        }
    }

    /// The value stored under the UTF-8 bytes of `key`, or `nil`. Setting `nil` removes the key.
    public subscript(key: String) -> BencodeValue? {
        get { self[Array(key.utf8)] }
        set { self[Array(key.utf8)] = newValue }
    }

    private enum SearchResult {
        case found(Int)
        case insertAt(Int)
    }

    private func search(_ key: [UInt8]) -> SearchResult {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = low + (high - low) / 2
            let order = ByteOrder.compare(entries[middle].key, key)
            if order == 0 { return .found(middle) }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return .insertAt(low)
    }
}

extension BencodeDictionary: RandomAccessCollection {
    /// The position of the first entry.
    public var startIndex: Int { entries.startIndex }
    /// The position one past the last entry.
    public var endIndex: Int { entries.endIndex }
    /// The entry at `position`, in key order.
    public subscript(position: Int) -> Entry { entries[position] }
}

extension BencodeDictionary: ExpressibleByDictionaryLiteral {
    /// Creates a dictionary from a literal with text keys (stored as their UTF-8 bytes); the last
    /// value wins when a key repeats.
    public init(dictionaryLiteral elements: (String, BencodeValue)...) {
        self.init(elements.lazy.map { (key: Array($0.0.utf8), value: $0.1) })
    }
}
