import Logging

/// The type and range a configuration key accepts, and how a raw value becomes that type.
enum ConfigKind: Sendable {
    /// A non-empty string.
    case text
    /// A whole number in the range.
    case integer(ClosedRange<Int>)
    /// A byte count in the range: a whole number, or a string with a unit ("16KiB", "1MiB", "2GiB").
    case bytes(ClosedRange<Int>)
    /// One of the given words.
    case choice([String])
    /// A size on a disk: bytes as for ``bytes(_:)``, or a share of the file system such as "80%".
    case storageLimit
    /// An array of at most `maxCount` non-empty strings (in the environment: comma-separated).
    case textList(maxCount: Int)
    /// A string that may be empty (a device path where empty means "none").
    case optionalText
    /// true or false (also from the environment: `true`, `false`, `1`, `0`).
    case boolean
    /// A DNS host label: 1 to `maxLength` of a-z, 0-9 and `-`, not starting or ending with `-`.
    case hostLabel(maxLength: Int)

    /// Checks `value` and returns it in its canonical form, or says what is wrong with it.
    func check(_ value: ConfigValue) -> Result<ConfigValue, ConfigValueError> {
        switch (self, value) {
        case (.text, .string(let text)):
            return text.isEmpty ? .failure(.init("must not be empty")) : .success(value)
        case (.integer(let range), .integer(let number)):
            return range.contains(number)
                ? .success(value)
                : .failure(.init("must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(number)"))
        case (.bytes(let range), .integer(let number)):
            return Self.checkBytes(number, in: range)
        case (.bytes(let range), .string(let text)):
            guard let number = ByteSize.parse(text) else {
                return .failure(.init("must be a byte count such as 65536, \"64KiB\" or \"2MiB\", not \"\(text)\""))
            }
            return Self.checkBytes(number, in: range)
        case (.storageLimit, .integer(let number)):
            return number > 0 ? .success(value) : .failure(.init("must be more than 0 bytes"))
        case (.storageLimit, .string(let text)):
            return StorageLimit(parsing: text) == nil
                ? .failure(.init("must be a size such as \"20GiB\" or a share of the disk such as \"80%\", not \"\(text)\""))
                : .success(value)
        case (.textList(let maxCount), .array(let elements)):
            guard elements.count <= maxCount else { return .failure(.init("must have at most \(maxCount) entries")) }
            for element in elements {
                guard case .string(let text) = element, !text.isEmpty else {
                    return .failure(.init("must be an array of non-empty strings, not \(element.shown) among them"))
                }
            }
            return .success(value)
        case (.optionalText, .string):
            return .success(value)
        case (.boolean, .boolean):
            return .success(value)
        case (.hostLabel(let maxLength), .string(let text)):
            let bytes = Array(text.utf8)
            let allowed = bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
            guard !bytes.isEmpty, bytes.count <= maxLength, allowed, bytes.first != 0x2D, bytes.last != 0x2D else {
                return .failure(.init("must be 1 to \(maxLength) of a-z, 0-9 and -, not starting or ending with -, not \"\(text)\""))
            }
            return .success(value)
        case (.choice(let words), .string(let word)):
            return words.contains(word)
                ? .success(value)
                : .failure(.init("must be one of \(words.joined(separator: ", ")), not \"\(word)\""))
        default:
            return .failure(.init("must be \(expected), not \(value.shown)"))
        }
    }

    /// Reads an environment variable's text as the kind of value this key takes.
    func fromEnvironment(_ text: String) -> ConfigValue {
        switch self {
        case .integer:
            if let number = Int(text) { return .integer(number) }
        case .bytes, .storageLimit:
            if let number = Int(text) { return .integer(number) }
        case .textList:
            // Entries separated by commas; spaces around each are dropped.
            return .array(text.split(separator: ",").map { entry in
                let start = entry.firstIndex { $0 != " " } ?? entry.endIndex
                let end = entry.lastIndex { $0 != " " }.map { entry.index(after: $0) } ?? start
                return .string(String(entry[start..<max(start, end)]))
            })
        case .boolean:
            switch text {
            case "true", "1": return .boolean(true)
            case "false", "0": return .boolean(false)
            default: break
            }
        case .text, .choice, .optionalText, .hostLabel:
            break
        }
        return .string(text)
    }

    /// What the key accepts, for people.
    var expectedText: String {
        switch self {
        case .text: "text"
        case .integer(let range): "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .bytes(let range): "a size from \(ByteSize.format(range.lowerBound)) to \(ByteSize.format(range.upperBound)) (\"2MiB\", 0 for none where allowed)"
        case .storageLimit: "a size (\"20GiB\") or a share of the disk (\"80%\")"
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        case .textList(let maxCount): "a list of at most \(maxCount) texts"
        case .optionalText: "text, or empty for none"
        case .boolean: "true or false"
        case .hostLabel(let maxLength): "a host name: 1 to \(maxLength) of a-z, 0-9 and -"
        }
    }

    private var expected: String {
        switch self {
        case .text: "a string"
        case .integer: "a whole number"
        case .bytes: "a byte count"
        case .storageLimit: "a size or a percentage"
        case .textList: "an array of strings"
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        case .optionalText: "a string"
        case .boolean: "true or false"
        case .hostLabel: "a host name"
        }
    }

    private static func checkBytes(_ number: Int, in range: ClosedRange<Int>) -> Result<ConfigValue, ConfigValueError> {
        range.contains(number)
            ? .success(.integer(number))
            : .failure(.init("must be from \(ByteSize.format(range.lowerBound)) to \(ByteSize.format(range.upperBound)), not \(ByteSize.format(number))"))
    }
}

/// What is wrong with one value, before the loader adds where it came from.
struct ConfigValueError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Logger.Level {
    /// The words `log.level` accepts, lowest first.
    static let configWords = Logger.Level.allCases.map(\.rawValue)
}
