import TOMLKit

/// Builds a `RillConfig` from the embedded defaults, then an optional TOML file, then `RILL_*` variables.
///
/// Each layer is checked against `ConfigSchema`: an unknown key, a wrong type or an out-of-range value refuses the
/// whole configuration with a `ConfigError` naming the source, line and key. Nothing is half-applied.
public enum ConfigLoader {
    /// The largest configuration file read; a larger one is refused before it is parsed.
    public static let maxFileBytes = 64 * 1024

    /// Environment variables that are not settings: the path of the configuration file.
    public static let reservedEnvironment: Set<String> = ["RILL_CONFIG"]

    /// The configuration from the defaults, the file at `path` (when given) and the `RILL_*` entries of `environment`.
    public static func load(file path: String?, environment: [String: String]) throws(ConfigError) -> RillConfig {
        var config = RillConfig.unset
        try apply(toml: EmbeddedDefaults.toml, source: "defaults", to: &config)
        if let path {
            let text = try TextFile.contents(of: path, limit: maxFileBytes)
            try apply(toml: text, source: path, to: &config)
        }
        try applyEnvironment(environment, to: &config)
        return config
    }

    /// Checks that `path` holds a valid configuration, as `rill config check` does.
    public static func check(file path: String) throws(ConfigError) {
        _ = try load(file: path, environment: [:])
    }

    static func apply(toml text: String, source: String, to config: inout RillConfig) throws(ConfigError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(source: source, line: error.source.begin.line, reason: .syntax(error.description))
        } catch {
            throw ConfigError(source: source, reason: .syntax(String(describing: error)))
        }
        let locator = KeyLineLocator(text: text)
        var walker = TableWalker(source: source, locator: locator)
        try walker.walk(table, prefix: nil, into: &config)
    }

    static func applyEnvironment(_ environment: [String: String], to config: inout RillConfig) throws(ConfigError) {
        let keysByVariable = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.map { ($0.environmentName, $0) })
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("RILL_") {
            if reservedEnvironment.contains(name) { continue }
            guard let key = keysByVariable[name] else {
                let near = ConfigSchema.suggestion(for: name.dropFirst(5).lowercased().replacing("_", with: "."))
                throw ConfigError(
                    source: "environment", key: name,
                    reason: .unknownKey(suggestion: near.flatMap { ConfigSchema.byPath[$0]?.environmentName })
                )
            }
            switch key.kind.check(key.kind.fromEnvironment(text)) {
            case .success(let value): key.assign(&config, value)
            case .failure(let problem):
                throw ConfigError(source: "environment", key: name, reason: .invalidValue(problem.message))
            }
        }
    }
}

/// Walks a parsed TOML table and applies each leaf through the schema.
private struct TableWalker {
    let source: String
    let locator: KeyLineLocator

    mutating func walk(_ table: TOMLTable, prefix: String?, into config: inout RillConfig) throws(ConfigError) {
        for name in table.keys {
            guard let value = table[name] else { continue }
            let path = prefix.map { "\($0).\(name)" } ?? name
            if let nested = value.table {
                guard prefix == nil, ConfigSchema.sections.contains(name) else { throw unknown(path) }
                try walk(nested, prefix: path, into: &config)
                continue
            }
            guard let key = ConfigSchema.byPath[path] else { throw unknown(path) }
            let raw: ConfigValue
            switch value.type {
            case .string: raw = .string(value.string ?? "")
            case .int: raw = .integer(value.int ?? 0)
            case .bool: raw = .boolean(value.bool ?? false)
            case .double: raw = .float(value.double ?? 0)
            default:
                throw ConfigError(
                    source: source, line: locator.line(of: path), key: path,
                    reason: .invalidValue("must be a single value, not a \(value.type)")
                )
            }
            switch key.kind.check(raw) {
            case .success(let checked): key.assign(&config, checked)
            case .failure(let problem):
                throw ConfigError(source: source, line: locator.line(of: path), key: path, reason: .invalidValue(problem.message))
            }
        }
    }

    private func unknown(_ path: String) -> ConfigError {
        ConfigError(
            source: source, line: locator.line(of: path), key: path,
            reason: .unknownKey(suggestion: ConfigSchema.suggestion(for: path))
        )
    }
}
