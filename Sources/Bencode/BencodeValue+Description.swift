/// A short human-readable rendering for logs and test failures; not bencode and not stable.
///
/// Byte strings that are printable UTF-8 are shown quoted; others as `<N bytes: hex…>` (first 16 bytes).
extension BencodeValue: CustomStringConvertible {
    /// See the extension's contract.
    public var description: String {
        switch self {
        case .integer(let value):
            return String(value)
        case .bytes(let value):
            return Self.describe(bytes: value)
        case .list(let elements):
            return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            let entries = dictionary.map { Self.describe(bytes: $0.key) + ": " + $0.value.description }
            return "{" + entries.joined(separator: ", ") + "}"
        }
    }

    private static func describe(bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self),
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        {
            return "\"" + text + "\""
        }
        let digits: [Character] = Array("0123456789abcdef")
        var hex = ""
        for byte in bytes.prefix(16) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return "<\(bytes.count) bytes: \(hex)\(bytes.count > 16 ? "…" : "")>"
    }
}
