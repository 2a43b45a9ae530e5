/// A fixed-size set of piece (or block) indices, stored as bits. The wire form (BEP 3) puts piece 0 in the
/// high bit of the first byte; spare bits at the end must be zero.
public struct Bitfield: Sendable, Equatable {
    public let count: Int
    private var words: [UInt64]
    /// How many bits are set.
    public private(set) var setCount: Int

    public init(count: Int, allSet: Bool = false) {
        self.count = count
        words = Array(repeating: allSet ? ~0 : 0, count: (count + 63) / 64)
        setCount = allSet ? count : 0
        if allSet, count % 64 != 0 { words[words.count - 1] = (1 << UInt64(count % 64)) - 1 }
    }

    /// Reads the wire form; `nil` when the length is wrong or a spare bit is set.
    public init?(wire bytes: some Collection<UInt8>, count: Int) {
        guard bytes.count == (count + 7) / 8 else { return nil }
        self.init(count: count)
        var index = 0
        for byte in bytes {
            var bits = byte
            var bit = 0
            while bits != 0 {
                if bits & 0x80 != 0 {
                    let piece = index * 8 + bit
                    guard piece < count else { return nil }
                    insert(piece)
                }
                bits <<= 1
                bit += 1
            }
            index += 1
        }
    }

    public var isEmpty: Bool { setCount == 0 }
    public var isFull: Bool { setCount == count }

    public subscript(index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Sets bit `index`; returns whether it was newly set.
    @discardableResult
    public mutating func insert(_ index: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(index & 63)
        guard words[index >> 6] & mask == 0 else { return false }
        words[index >> 6] |= mask
        setCount += 1
        return true
    }

    /// Clears bit `index`; returns whether it was set.
    @discardableResult
    public mutating func remove(_ index: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(index & 63)
        guard words[index >> 6] & mask != 0 else { return false }
        words[index >> 6] &= ~mask
        setCount -= 1
        return true
    }

    /// The set indices in ascending order.
    public var indices: [Int] {
        var out: [Int] = []
        out.reserveCapacity(setCount)
        for (wordIndex, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                out.append(wordIndex * 64 + bit)
                bits &= bits - 1
            }
        }
        return out
    }

    /// The wire form: `ceil(count / 8)` bytes, piece 0 in the high bit of byte 0.
    public var wireBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: (count + 7) / 8)
        for index in indices { out[index >> 3] |= 0x80 >> UInt8(index & 7) }
        return out
    }
}
