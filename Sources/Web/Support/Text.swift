extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    ///
    /// Works on the UTF-8 bytes (those four are ASCII, and no byte of a multi-byte scalar is below 0x80, so the cut is
    /// always between scalars): it runs for every request's cookie header, and the `Character`-wise version
    /// (`reversed()` twice, then a `String` built one grapheme at a time) was 13 % of the server's CPU under
    /// `ci/bench/ui`. Unlike that version it also trims a `\r\n` pair (one `Character`).
    var trimmed: String {
        let bytes = utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var first: Self.UTF8View.Index?
        var last = bytes.startIndex
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if !isSpace(bytes[index]) {
                if first == nil { first = index }
                last = index
            }
            bytes.formIndex(after: &index)
        }
        guard let first else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}

/// Bytes as lowercase hex.
enum Hex {
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
