/// Why a configuration was refused, with where: the source (a file path, `environment` or `defaults`),
/// the line when the source is a file, and the key.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake it is.
    public enum Reason: Sendable, Equatable {
        /// The text is not valid TOML.
        case syntax(String)
        /// The key is not one Rill knows; `suggestion` is the nearest known key, if one is close.
        case unknownKey(suggestion: String?)
        /// The key is known but its value has the wrong type or is out of range.
        case invalidValue(String)
        /// The file could not be read.
        case unreadable(String)
        /// The file is larger than `ConfigLoader.maxFileBytes`.
        case tooLarge(bytes: Int)
    }

    /// Where the value came from: a file path, `environment` or `defaults`.
    public var source: String
    /// The 1-based line in `source`, when known.
    public var line: Int?
    /// The dotted key (`http.port`) or environment variable name, when the mistake is about one.
    public var key: String?
    /// What is wrong.
    public var reason: Reason

    public init(source: String, line: Int? = nil, key: String? = nil, reason: Reason) {
        self.source = source
        self.line = line
        self.key = key
        self.reason = reason
    }

    /// One line in the form `rill.toml:12: http.port: must be a whole number from 0 to 65535, not "abc"`.
    public var description: String {
        var text = source
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        switch reason {
        case .syntax(let message): text += "not valid TOML: \(message)"
        case .unknownKey(let suggestion):
            text += "unknown key"
            if let suggestion { text += " (did you mean \(suggestion)?)" }
        case .invalidValue(let message): text += message
        case .unreadable(let message): text += "cannot be read: \(message)"
        case .tooLarge(let bytes): text += "is \(bytes) bytes; a configuration file may have at most \(ConfigLoader.maxFileBytes)"
        }
        return text
    }
}
