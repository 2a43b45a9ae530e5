/// A TOML 1.0 parser for configuration files, written for hostile input: bounded input size, bounded nesting,
/// bounded entry count, no recursion deeper than `maxDepth`, and an exact line and column on every error.
///
/// Supported: comments, `[tables]`, bare/quoted/dotted keys, basic and literal strings (single and multi-line),
/// integers (decimal, hex, octal, binary, with `_`), floats (incl. `inf`, `nan`), booleans, arrays and inline
/// tables. Refused with a clear message: dates and times, and `[[arrays of tables]]`, which no Rill setting uses.
/// Duplicate keys and tables defined twice are errors, as the specification requires.
struct TOMLParser {
    static let maxBytes = 1 << 20
    static let maxDepth = 32
    static let maxEntries = 10_000

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var document = TOMLDocument()
    private var currentTable: [String] = []
    private var definedValues: Set<[String]> = []
    private var definedTables: Set<[String]> = []

    /// Parses `text` into a flat document or throws the first syntax error.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> TOMLDocument {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.parseDocument()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Document structure

    private mutating func parseDocument() throws(TOMLSyntaxError) -> TOMLDocument {
        guard bytes.count <= Self.maxBytes else { throw fail("the text is larger than \(Self.maxBytes) bytes") }
        while true {
            skipWhitespace()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine()
            case UInt8(ascii: "["):
                try parseTableHeader()
            default:
                let keyLine = line
                let key = try parseKey()
                try expect(UInt8(ascii: "="), "expected '=' after the key")
                skipWhitespace()
                try parseValue(into: currentTable + key, line: keyLine, depth: 0)
                try endOfLine()
            }
        }
        return document
    }

    private mutating func parseTableHeader() throws(TOMLSyntaxError) {
        let headerLine = line
        index += 1
        if peek() == UInt8(ascii: "[") { throw fail("arrays of tables ([[...]]) are not used in Rill's configuration") }
        skipWhitespace()
        let path = try parseKey()
        try expect(UInt8(ascii: "]"), "expected ']' to close the table header")
        if definedTables.contains(path) || definedValues.contains(path) {
            throw fail("the table [\(path.joined(separator: "."))] is defined twice", line: headerLine)
        }
        definedTables.insert(path)
        currentTable = path
        document.tables.append(.init(path: path, line: headerLine))
        try endOfLine()
    }

    /// Consumes trailing whitespace, an optional comment and the line break (or the end of the text).
    private mutating func endOfLine() throws(TOMLSyntaxError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let byte = peek() else { return }
        if byte == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { index += 1 }
        guard bytes[index] == UInt8(ascii: "\n") else { throw fail("unexpected text after the value") }
        newLine()
    }

    private mutating func skipComment() throws(TOMLSyntaxError) {
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { return }
            if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F { throw fail("control character in a comment") }
            index += 1
        }
    }

    // MARK: Keys

    private mutating func parseKey() throws(TOMLSyntaxError) -> [String] {
        var parts: [String] = []
        while true {
            skipWhitespace()
            parts.append(try parseSimpleKey())
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { break }
            index += 1
            guard parts.count < Self.maxDepth else { throw fail("the key has more than \(Self.maxDepth) parts") }
        }
        skipWhitespace()
        return parts
    }

    private mutating func parseSimpleKey() throws(TOMLSyntaxError) -> String {
        switch peek() {
        case UInt8(ascii: "\""): return try parseBasicString()
        case UInt8(ascii: "'"): return try parseLiteralString()
        default:
            let start = index
            while let byte = peek(), Self.isBareKeyByte(byte) { index += 1 }
            guard index > start else { throw fail("expected a key") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    // MARK: Values

    private mutating func parseValue(into path: [String], line keyLine: Int, depth: Int) throws(TOMLSyntaxError) {
        if peek() == UInt8(ascii: "{") {
            try parseInlineTable(at: path, line: keyLine, depth: depth + 1)
            return
        }
        let value = try parseScalarOrArray(depth: depth)
        try define(path, value: value, line: keyLine)
    }

    private mutating func define(_ path: [String], value: TOMLValue, line keyLine: Int) throws(TOMLSyntaxError) {
        for length in 1..<path.count where definedValues.contains(Array(path[0..<length])) {
            throw fail("\(path[0..<length].joined(separator: ".")) is a value, not a table", line: keyLine)
        }
        guard !definedValues.contains(path), !definedTables.contains(path) else {
            throw fail("the key \(path.joined(separator: ".")) is defined twice", line: keyLine)
        }
        guard document.entries.count < Self.maxEntries else { throw fail("more than \(Self.maxEntries) keys") }
        definedValues.insert(path)
        document.entries.append(.init(path: path, value: value, line: keyLine))
    }

    private mutating func parseInlineTable(at path: [String], line keyLine: Int, depth: Int) throws(TOMLSyntaxError) {
        guard depth <= Self.maxDepth else { throw fail("values are nested more than \(Self.maxDepth) deep") }
        guard !definedValues.contains(path), !definedTables.contains(path) else {
            throw fail("the key \(path.joined(separator: ".")) is defined twice", line: keyLine)
        }
        definedTables.insert(path)
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try parseKey()
            try expect(UInt8(ascii: "="), "expected '=' after the key")
            skipWhitespace()
            try parseValue(into: path + key, line: line, depth: depth)
            skipWhitespace()
            guard let byte = peek() else { throw fail("the inline table is not closed with '}'") }
            index += 1
            if byte == UInt8(ascii: "}") { return }
            guard byte == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in the inline table") }
            skipWhitespace()
        }
    }

    private mutating func parseScalarOrArray(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        guard let byte = peek() else { throw fail("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(peek(1) == byte && peek(2) == byte ? try parseMultilineString(literal: false) : try parseBasicString())
        case UInt8(ascii: "'"):
            return .string(peek(1) == byte && peek(2) == byte ? try parseMultilineString(literal: true) : try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "{"):
            throw fail("inline tables inside arrays are not used in Rill's configuration")
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if matches("true") { index += 4; return .boolean(true) }
            if matches("false") { index += 5; return .boolean(false) }
            throw fail("expected a value")
        default:
            return try parseNumber()
        }
    }

    private mutating func parseArray(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        guard depth <= Self.maxDepth else { throw fail("values are nested more than \(Self.maxDepth) deep") }
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipArraySpace()
            guard let byte = peek() else { throw fail("the array is not closed with ']'") }
            if byte == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard elements.count < Self.maxEntries else { throw fail("the array has more than \(Self.maxEntries) elements") }
            elements.append(try parseScalarOrArray(depth: depth))
            try skipArraySpace()
            guard let next = peek() else { throw fail("the array is not closed with ']'") }
            if next == UInt8(ascii: ",") {
                index += 1
            } else if next != UInt8(ascii: "]") {
                throw fail("expected ',' or ']' in the array")
            }
        }
    }

    /// Whitespace, comments and line breaks, all of which may appear between array elements.
    private mutating func skipArraySpace() throws(TOMLSyntaxError) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"): index += 1
            case UInt8(ascii: "\n"): newLine()
            case UInt8(ascii: "\r") where peek(1) == UInt8(ascii: "\n"): index += 1; newLine()
            case UInt8(ascii: "#"): try skipComment()
            default: return
            }
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        index += 1
        var scalars: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw fail("the string is not closed with '\"'") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return try decodeUTF8(scalars)
            case UInt8(ascii: "\\"): try appendEscape(to: &scalars)
            case _ where byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F:
                throw fail("control character in a string")
            default: scalars.append(byte)
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else { throw fail("the string is not closed with \"'\"") }
            if byte == UInt8(ascii: "'") { break }
            if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F { throw fail("control character in a string") }
            index += 1
        }
        let text = try decodeUTF8(Array(bytes[start..<index]))
        index += 1
        return text
    }

    private mutating func parseMultilineString(literal: Bool) throws(TOMLSyntaxError) -> String {
        let quote = bytes[index]
        index += 3
        if peek() == UInt8(ascii: "\n") { newLine() } else if peek() == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { index += 1; newLine() }
        var scalars: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("the multi-line string is not closed") }
            if byte == quote, peek(1) == quote, peek(2) == quote {
                index += 3
                // Up to two more quotes right before the closing delimiter belong to the string.
                for _ in 0..<2 where peek() == quote { scalars.append(quote); index += 1 }
                return try decodeUTF8(scalars)
            }
            index += 1
            switch byte {
            case UInt8(ascii: "\n"):
                scalars.append(byte)
                line += 1
                lineStart = index
            case UInt8(ascii: "\\") where !literal:
                if try skipLineEndingBackslash() { continue }
                try appendEscape(to: &scalars)
            case _ where byte < 0x20 && byte != UInt8(ascii: "\t") && byte != UInt8(ascii: "\r") || byte == 0x7F:
                throw fail("control character in a string")
            default: scalars.append(byte)
            }
        }
    }

    /// After a backslash in a multi-line basic string: a line-ending backslash trims the break and following
    /// whitespace. Returns false when the backslash starts an ordinary escape.
    private mutating func skipLineEndingBackslash() throws(TOMLSyntaxError) -> Bool {
        var probe = index
        while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
        if probe < bytes.count, bytes[probe] == UInt8(ascii: "\r") { probe += 1 }
        guard probe < bytes.count, bytes[probe] == UInt8(ascii: "\n") else { return false }
        index = probe
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: "\n"): newLine()
            default: return true
            }
        }
        return true
    }

    private mutating func appendEscape(to scalars: inout [UInt8]) throws(TOMLSyntaxError) {
        guard let code = peek() else { throw fail("the string ends inside an escape") }
        index += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C,
        ]
        if let byte = simple[code] {
            scalars.append(byte)
            return
        }
        let digits: Int
        switch code {
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default: throw fail("unknown escape '\\\(Character(Unicode.Scalar(code)))'")
        }
        guard index + digits <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + digits], as: UTF8.self), radix: 16),
              let scalar = Unicode.Scalar(value)
        else { throw fail("invalid Unicode escape") }
        index += digits
        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    private func decodeUTF8(_ bytes: [UInt8]) throws(TOMLSyntaxError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("the string is not valid UTF-8") }
        return text
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(TOMLSyntaxError) -> TOMLValue {
        let start = index
        while let byte = peek(), Self.isNumberByte(byte) { index += 1 }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !token.isEmpty else { throw fail("expected a value", column: start - lineStart + 1) }
        if let value = Self.number(token) { return value }
        if token.count >= 5, token.contains(":") || token.dropFirst(4).first == "-" {
            throw fail("dates and times are not used in Rill's configuration; write a number or a string")
        }
        throw fail("'\(token)' is not a valid number or value", column: start - lineStart + 1)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    /// A TOML integer or float, or nil when `token` is neither.
    static func number(_ token: String) -> TOMLValue? {
        var text = Substring(token)
        var sign = ""
        if let first = text.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            text = text.dropFirst()
        }
        switch text {
        case "inf": return .float(sign == "-" ? -.infinity : .infinity)
        case "nan": return .float(.nan)
        default: break
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            guard sign.isEmpty && token.first != "+", let digits = underscoresRemoved(text.dropFirst(2)) else { return nil }
            return Int(digits, radix: radix).map { .integer($0) }
        }
        guard let plain = underscoresRemoved(text), let first = plain.first, first.isASCII, first.isNumber else { return nil }
        let isFloat = plain.contains(".") || plain.contains("e") || plain.contains("E")
        if !isFloat {
            guard plain == "0" || first != "0" else { return nil }
            return Int(sign + plain).map { .integer($0) }
        }
        guard plain.allSatisfy({ $0.isASCII && ($0.isNumber || "eE+-.".contains($0)) }),
              !plain.hasSuffix("."), !plain.contains(".e"), !plain.contains(".E"),
              plain.first(where: { !$0.isNumber }) != nil, !(first == "0" && plain.count > 1 && plain.dropFirst().first?.isNumber == true)
        else { return nil }
        return Double(sign + plain).map { .float($0) }
    }

    /// The digits with `_` separators removed; nil when an underscore is not between two digits.
    private static func underscoresRemoved(_ text: Substring) -> String? {
        let characters = Array(text)
        for (offset, character) in characters.enumerated() where character == "_" {
            guard offset > 0, offset < characters.count - 1,
                  characters[offset - 1].isHexDigit, characters[offset + 1].isHexDigit
            else { return nil }
        }
        return String(characters.filter { $0 != "_" })
    }

    // MARK: Scanning

    private func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private func matches(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else { return false }
        guard let next = peek(utf8.count) else { return true }
        return !Self.isBareKeyByte(next)
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    private mutating func newLine() {
        index += 1
        line += 1
        lineStart = index
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(TOMLSyntaxError) {
        skipWhitespace()
        guard peek() == byte else { throw fail(message) }
        index += 1
    }

    private func fail(_ message: String, line errorLine: Int? = nil, column: Int? = nil) -> TOMLSyntaxError {
        let column = column ?? (index - lineStart + 1)
        return TOMLSyntaxError(line: errorLine ?? line, column: errorLine == nil ? column : 1, message: message)
    }
}
