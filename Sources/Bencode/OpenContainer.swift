/// A list or dictionary the ``Parser`` has opened and not yet closed.
struct OpenContainer {
    enum Kind {
        case list
        case dictionary
    }

    let kind: Kind
    /// List elements so far.
    var elements: [BencodeValue] = []
    /// Dictionary entries so far, in input order.
    var entries: [BencodeDictionary.Entry] = []
    /// The input offset of each key in `entries` (plus the pending one), for duplicate reports.
    var keyOffsets: [Int] = []
    /// A key read whose value has not been read yet.
    var pendingKey: [UInt8]?
    /// Where the pending key's value starts.
    var pendingValueStart = 0
    /// Whether every key so far was greater than the one before it.
    var keysInOrder = true

    init(kind: Kind) {
        self.kind = kind
    }

    /// The finished value; sorts out-of-order dictionaries and rejects repeated keys in them.
    consuming func close() throws(BencodeError) -> BencodeValue {
        switch kind {
        case .list:
            return .list(elements)
        case .dictionary where keysInOrder:
            return .dictionary(BencodeDictionary(sortedUniqueEntries: entries))
        case .dictionary:
            return .dictionary(try Self.sortedDictionary(entries: entries, offsets: keyOffsets))
        }
    }

    /// Sorts entries by key (ties by input offset) and fails on the earliest repeated key.
    private static func sortedDictionary(
        entries: [BencodeDictionary.Entry],
        offsets: [Int]
    ) throws(BencodeError) -> BencodeDictionary {
        let order = entries.indices.sorted { left, right in
            let comparison = ByteOrder.compare(entries[left].key, entries[right].key)
            return comparison != 0 ? comparison < 0 : offsets[left] < offsets[right]
        }
        var earliestRepeat: Int?
        for (previous, current) in zip(order, order.dropFirst())
        where entries[previous].key == entries[current].key {
            earliestRepeat = min(earliestRepeat ?? offsets[current], offsets[current])
        }
        if let earliestRepeat { throw BencodeError(.duplicateKey, at: earliestRepeat) }
        return BencodeDictionary(sortedUniqueEntries: order.map { entries[$0] })
    }
}
