/// A value that could not be read; the parser adds the file, line and key.
struct ValueProblem: Error {
    let problem: WireGuardConfigError.Problem

    init(_ problem: WireGuardConfigError.Problem) { self.problem = problem }
    init(_ reason: String) { problem = .invalidValue(reason) }
}

/// Readers for the value forms wg-quick files use. None of them ever quotes a key.
enum WireGuardConfigValues {
    static func key(_ text: Substring) throws(ValueProblem) -> WireGuardKey {
        guard let key = WireGuardKey(base64: text) else { throw ValueProblem(.invalidKey) }
        return key
    }

    /// Comma- and/or space-separated items, as wg-quick splits `Address`, `DNS` and `AllowedIPs`.
    static func list(_ text: Substring, limit: Int) throws(ValueProblem) -> [Substring] {
        let items = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
        guard items.count <= limit else { throw ValueProblem(.tooMany(limit: limit)) }
        return items
    }

    static func network(_ text: Substring) throws(ValueProblem) -> IPNetwork {
        guard let network = IPNetwork(text: text) else {
            throw ValueProblem("\(WireGuardConfigError.quoted(text)) is not ADDRESS or ADDRESS/PREFIX")
        }
        return network
    }

    /// A decimal number in `range`.
    static func number(_ text: Substring, in range: ClosedRange<Int>) throws(ValueProblem) -> Int {
        guard !text.isEmpty, text.count <= 10, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text),
              range.contains(value) else {
            throw ValueProblem("\(WireGuardConfigError.quoted(text)) is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `off`, or a number (decimal or `0x` hex) that fits 32 bits, as `wg` reads `FwMark`.
    static func fwMark(_ text: Substring) throws(ValueProblem) -> UInt32? {
        if text.lowercased() == "off" { return nil }
        let parsed: UInt32? = if text.lowercased().hasPrefix("0x") {
            UInt32(text.dropFirst(2), radix: 16)
        } else {
            text.allSatisfy({ $0.isASCII && $0.isNumber }) ? UInt32(text) : nil
        }
        guard let value = parsed, text.count <= 10 else {
            throw ValueProblem("\(WireGuardConfigError.quoted(text)) is not off or a 32-bit number")
        }
        return value == 0 ? nil : value
    }

    /// `off` or 0 (both off), or 1–65535 seconds.
    static func keepalive(_ text: Substring) throws(ValueProblem) -> UInt16? {
        if text.lowercased() == "off" { return nil }
        let value = try number(text, in: 0...65535)
        return value == 0 ? nil : UInt16(value)
    }

    static func boolean(_ text: Substring) throws(ValueProblem) -> Bool {
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ValueProblem("\(WireGuardConfigError.quoted(text)) is not true or false")
        }
    }
}
