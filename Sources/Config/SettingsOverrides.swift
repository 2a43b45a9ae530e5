/// `<data>/settings.toml`: the settings people change in the web UI, layered between the configuration file and
/// the `RILL_*` environment (defaults → file → settings.toml → environment).
///
/// Contract: every key in it is a key of the configuration schema with a value the schema accepts, except the
/// keys in ``notOverridable`` (where the file itself lives). The web layer writes it atomically (write-temp + fsync
/// + rename) from ``render(_:)``; the loader refuses a file that breaks these rules, naming the line and key, like
/// any other configuration layer.
public enum SettingsOverrides {
    /// The file's name inside the data directory.
    public static let fileName = "settings.toml"

    /// Keys that cannot be overridden from the UI.
    public static let notOverridable: Set<String> = ["data.directory"]

    public static func path(dataDirectory: String) -> String {
        (dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/") + fileName
    }

    /// One setting as the UI shows and edits it.
    public struct Setting: Sendable, Equatable {
        /// The dotted key (`engine.download_rate_limit`).
        public let key: String
        /// The value in force, as TOML would spell it without quotes (`2MiB`, `30`, `lcars`).
        public let value: String
        /// Where that value comes from: `default`, the configuration file's path, `settings` or `environment`.
        public let source: String
        /// What the key accepts, for people (`a whole number from 0 to 100000`, `one of plain, lcars`).
        public let accepts: String
        /// The words a choice takes (empty for other kinds).
        public let choices: [String]
    }

    /// Whether `key` exists in this build's schema.
    public static func knows(_ key: String) -> Bool {
        ConfigSchema.byPath[key] != nil
    }

    /// Checks `text` (as typed in a form) for `key` and returns the TOML literal to store, or the reason it is
    /// refused (`engine.download_rate_limit: must be a byte count …`).
    public static func literal(for key: String, text: String) throws(ConfigError) -> String {
        guard let schemaKey = ConfigSchema.byPath[key], !notOverridable.contains(key) else {
            throw ConfigError(source: "settings", key: key, reason: .unknownKey(suggestion: nil))
        }
        let value = schemaKey.kind.fromEnvironment(text.trimmingCharacters(in: " "))
        switch schemaKey.kind.check(value) {
        // The text as typed ("2MiB", "80%") once the schema accepts it: people read this file and the settings page.
        case .success: return value.tomlLiteral
        case .failure(let problem): throw ConfigError(source: "settings", key: key, reason: .invalidValue(problem.message))
        }
    }

    /// The file's text for `values` (key → TOML literal), grouped by section, sorted.
    public static func render(_ values: [String: String]) -> String {
        var sections: [String: [(String, String)]] = [:]
        for (key, literal) in values {
            guard let dot = key.firstIndex(of: ".") else { continue }
            sections[String(key[..<dot]), default: []].append((String(key[key.index(after: dot)...]), literal))
        }
        var text = "# Settings changed in Rill's web UI. Rill rewrites this file; keys are those of rill.toml.\n"
        for section in sections.keys.sorted() {
            text += "\n[\(section)]\n"
            for (name, literal) in sections[section, default: []].sorted(by: { $0.0 < $1.0 }) {
                text += "\(name) = \(literal)\n"
            }
        }
        return text
    }

    /// The overrides in the file at `path` (key → TOML literal); an empty dictionary when there is no file.
    public static func read(path: String) throws(ConfigError) -> [String: String] {
        guard fileExists(path) else { return [:] }
        let text = try TextFile.contents(of: path, limit: ConfigLoader.maxFileBytes)
        var probe = RillConfig.unset
        try ConfigLoader.apply(toml: text, source: path, to: &probe, refusing: notOverridable)
        let document: TOMLDocument
        do {
            document = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(source: path, line: error.line, reason: .syntax(error.message))
        }
        var values: [String: String] = [:]
        for entry in document.entries { values[entry.path.joined(separator: ".")] = entry.value.tomlLiteral }
        return values
    }

    /// Every setting with the value in force and where it comes from, for the keys in `keys` that this build knows.
    public static func effective(
        keys: [String], configFile: String?, dataDirectory: String, environment: [String: String]
    ) -> [Setting] {
        var sources: [String: (String, String)] = [:]
        func layer(_ text: String?, _ source: String) {
            guard let text, let document = try? TOMLParser.parse(text) else { return }
            for entry in document.entries { sources[entry.path.joined(separator: ".")] = (entry.value.plain, source) }
        }
        layer(EmbeddedDefaults.toml, "default")
        if let configFile { layer(try? TextFile.contents(of: configFile, limit: ConfigLoader.maxFileBytes), configFile) }
        let overrides = path(dataDirectory: dataDirectory)
        if fileExists(overrides) { layer(try? TextFile.contents(of: overrides, limit: ConfigLoader.maxFileBytes), "settings") }
        return keys.compactMap { key -> Setting? in
            guard let schemaKey = ConfigSchema.byPath[key] else { return nil }
            var (value, source) = sources[key] ?? ("", "default")
            if let text = environment[schemaKey.environmentName] { (value, source) = (text, "environment") }
            var choices: [String] = []
            if case .choice(let words) = schemaKey.kind { choices = words }
            return Setting(key: key, value: value, source: source, accepts: schemaKey.kind.expectedText, choices: choices)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

extension TOMLValue {
    /// The value written as TOML.
    var tomlLiteral: String {
        switch self {
        case .string(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .integer(let number): return String(number)
        case .float(let number): return String(number)
        case .boolean(let flag): return String(flag)
        case .array(let items): return "[" + items.map(\.tomlLiteral).joined(separator: ", ") + "]"
        }
    }

    /// The value as a person types it (strings without quotes).
    var plain: String {
        if case .string(let text) = self { return text }
        return tomlLiteral
    }
}
