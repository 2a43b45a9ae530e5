/// The 20-byte SHA-1 of a torrent's bencoded `info` dictionary (BEP 3): the torrent's identity on the wire,
/// at trackers and in the store. Printed as 40 lowercase hex digits.
public struct InfoHash: Hashable, Sendable, CustomStringConvertible {
    /// Exactly 20 bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes`; `nil` unless there are exactly 20.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses 40 hex digits (either case); `nil` for anything else.
    public init?(hex: some StringProtocol) {
        guard let bytes = HexDigits.decode(hex), bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// 40 lowercase hex digits.
    public var hex: String { HexDigits.encode(bytes) }

    public var description: String { hex }
}

/// Lowercase hex encoding and decoding of byte strings.
enum HexDigits {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
