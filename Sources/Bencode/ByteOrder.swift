/// Bytewise (unsigned, lexicographic) comparison: the order BEP 3 requires for dictionary keys.
enum ByteOrder {
    /// Negative if `a` sorts before `b`, zero if equal, positive if after. A proper prefix sorts first.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                compare(a, b)
            }
        }
    }

    /// The same comparison on buffers.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let shared = min(a.count, b.count)
        var index = 0
        while index < shared {
            let left = a[index]
            let right = b[index]
            if left != right { return left < right ? -1 : 1 }
            index += 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
