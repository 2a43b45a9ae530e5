/// One meaningful line of a wg-quick file: a `[Section]` header or a `Key = Value` entry, comments and blanks gone.
struct WireGuardConfigLine {
    enum Content {
        case section(Substring)
        case entry(key: Substring, value: Substring)
    }

    /// 1-based.
    let number: Int
    let content: Content
}

/// Splits a wg-quick file into lines the way wg-quick reads them: `#` starts a comment, space and tab around keys,
/// values and `=` are dropped. Enforces the byte, line and line-length bounds, UTF-8 and no control characters
/// (tab excepted); CRLF line ends and a leading byte order mark are accepted.
enum WireGuardConfigLexer {
    static func lines(_ input: some Collection<UInt8>, options: WireGuardConfigOptions) throws(WireGuardConfigError)
        -> [WireGuardConfigLine] {
        let limits = options.limits
        func fail(_ line: Int, _ problem: WireGuardConfigError.Problem) -> WireGuardConfigError {
            WireGuardConfigError(fileName: options.fileName, line: line, key: nil, problem: problem)
        }
        guard input.count <= limits.maxBytes else { throw fail(0, .tooLarge(limit: limits.maxBytes)) }
        var bytes = Array(input)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }

        var result: [WireGuardConfigLine] = []
        var number = 0
        var start = 0
        while start < bytes.count {
            number += 1
            guard number <= limits.maxLines else { throw fail(number, .tooManyLines(limit: limits.maxLines)) }
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            guard end - start <= limits.maxLineBytes else { throw fail(number, .lineTooLong(limit: limits.maxLineBytes)) }
            let raw = bytes[start..<end]
            start = next
            if raw.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) { throw fail(number, .controlCharacter) }
            guard let text = String(validating: raw, as: UTF8.self) else { throw fail(number, .notUTF8) }
            let uncommented = text.firstIndex(of: "#").map { text[..<$0] } ?? text[...]
            let stripped = trimmed(uncommented)
            if stripped.isEmpty { continue }
            if stripped.hasPrefix("[") {
                guard stripped.hasSuffix("]"), stripped.count >= 2 else { throw fail(number, .notKeyValue) }
                result.append(WireGuardConfigLine(number: number, content: .section(trimmed(stripped.dropFirst().dropLast()))))
                continue
            }
            guard let equals = stripped.firstIndex(of: "=") else { throw fail(number, .notKeyValue) }
            let key = trimmed(stripped[..<equals])
            guard !key.isEmpty else { throw fail(number, .notKeyValue) }
            let value = trimmed(stripped[stripped.index(after: equals)...])
            result.append(WireGuardConfigLine(number: number, content: .entry(key: key, value: value)))
        }
        return result
    }

    static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
