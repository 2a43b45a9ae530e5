/// A wg-quick file that cannot be used, with the line and key it is about: `wg0.conf:7: Endpoint: expected
/// HOST:PORT`. No message ever contains a key's value; other values are quoted only when they are short and plain.
public struct WireGuardConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name the file was given to the parser (`wg0.conf` unless told otherwise).
    public let fileName: String
    /// 1-based; 0 when the problem is the file as a whole.
    public let line: Int
    /// The key or section the problem is about, as documented (`Endpoint`, `[Peer]`), when there is one.
    public let key: String?
    public let problem: Problem

    public init(fileName: String, line: Int, key: String?, problem: Problem) {
        self.fileName = fileName
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        let place = line > 0 ? "\(fileName):\(line)" : fileName
        return key.map { "\(place): \($0): \(problem)" } ?? "\(place): \(problem)"
    }

    /// What is wrong.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case tooManyLines(limit: Int)
        case lineTooLong(limit: Int)
        case notUTF8
        case controlCharacter
        case unknownSection(String?)
        case repeatedInterfaceSection(firstLine: Int)
        case notKeyValue
        case keyOutsideSection
        case unknownKey(String?)
        case wrongSection(WireGuardConfigKey.Section)
        case duplicateKey(firstLine: Int)
        case invalidKey
        case invalidValue(String)
        case tooMany(limit: Int)
        case missing
        case hookScriptRefused
        case duplicatePeer(firstLine: Int)

        public var description: String {
            switch self {
            case .tooLarge(let limit): "larger than \(limit) bytes"
            case .tooManyLines(let limit): "more than \(limit) lines"
            case .lineTooLong(let limit): "line longer than \(limit) bytes"
            case .notUTF8: "not valid UTF-8 text"
            case .controlCharacter: "contains a control character"
            case .unknownSection(let name?): "unknown section [\(name)]; expected [Interface] or [Peer]"
            case .unknownSection(nil): "unknown section; expected [Interface] or [Peer]"
            case .repeatedInterfaceSection(let first): "a second [Interface] section (the first is on line \(first))"
            case .notKeyValue: "expected KEY = VALUE, a [Section] or a # comment"
            case .keyOutsideSection: "comes before any [Interface] or [Peer] section"
            case .unknownKey(let name?): "unknown key \(name)"
            case .unknownKey(nil): "unknown key"
            case .wrongSection(let section): "belongs in the [\(section.rawValue)] section"
            case .duplicateKey(let first): "given twice (first on line \(first))"
            case .invalidKey: "not a WireGuard key (44 characters of base64 for 32 bytes)"
            case .invalidValue(let reason): reason
            case .tooMany(let limit): "more than \(limit) values"
            case .missing: "missing"
            case .hookScriptRefused: "hook scripts are refused: Rill never runs commands from a WireGuard file"
            case .duplicatePeer(let first): "the same peer as the [Peer] on line \(first)"
            }
        }
    }
}

extension WireGuardConfigError {
    /// Text from the file that is safe to repeat in a message: printable ASCII shorter than a key's 44 base64
    /// characters, so that no key pasted into another value (a joined line, a key in `AllowedIPs`) is repeated.
    /// Never used for keys.
    static func quoted(_ text: some StringProtocol) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        guard plain, text.count < 44 else { return "the value" }
        return "\"\(text)\""
    }

    /// A section or key name that is safe to repeat: 1–32 ASCII letters. Anything else might be a pasted key.
    static func safeName(_ text: some StringProtocol) -> String? {
        guard !text.isEmpty, text.utf8.count <= 32,
              text.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else { return nil }
        return String(text)
    }
}
