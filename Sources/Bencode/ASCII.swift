/// The ASCII bytes the bencode grammar is made of.
enum ASCII {
    static let integerStart: UInt8 = 0x69  // i
    static let listStart: UInt8 = 0x6C  // l
    static let dictionaryStart: UInt8 = 0x64  // d
    static let end: UInt8 = 0x65  // e
    static let colon: UInt8 = 0x3A  // :
    static let minus: UInt8 = 0x2D  // -
    static let zero: UInt8 = 0x30  // 0
    static let nine: UInt8 = 0x39  // 9

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- zero < 10
    }
}
