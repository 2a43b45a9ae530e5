/// Builds a `RillConfig` from the embedded defaults, then an optional TOML file, then `RILL_*` variables.
///
/// Each layer is checked against `ConfigSchema`: an unknown key, a wrong type or an out-of-range value refuses the
/// whole configuration with a `ConfigError` naming the source, line and key. Nothing is half-applied.
public enum ConfigLoader {
    /// The largest configuration file read; a larger one is refused before it is parsed.
    public static let maxFileBytes = 64 * 1024

    /// Environment variables that are not settings: the path of the configuration file.
    public static let reservedEnvironment: Set<String> = ["RILL_CONFIG"]

    /// The configuration from the defaults, the file at `path` (when given) and the `RILL_*` entries of `environment`;
    /// with `settingsOverrides`, `<data>/settings.toml` (the web UI's changes) between the file and the environment.
    public static func load(file path: String?, environment: [String: String], settingsOverrides: Bool = false) throws(ConfigError) -> RillConfig {
        var config = RillConfig.unset
        try apply(toml: EmbeddedDefaults.toml, source: "defaults", to: &config)
        if let path {
            let text = try TextFile.contents(of: path, limit: maxFileBytes)
            try apply(toml: text, source: path, to: &config)
        }
        if settingsOverrides {
            // The data directory decides where the overrides live, so it is taken with the environment's say.
            var probe = config
            try applyEnvironment(environment, to: &probe)
            let overrides = SettingsOverrides.path(dataDirectory: probe.dataDirectory)
            if fileExists(overrides) {
                let text = try TextFile.contents(of: overrides, limit: maxFileBytes)
                try apply(toml: text, source: overrides, to: &config, refusing: SettingsOverrides.notOverridable)
            }
        }
        try applyEnvironment(environment, to: &config)
        return config
    }

    /// Checks that `path` holds a valid configuration, as `rill config check` does.
    public static func check(file path: String) throws(ConfigError) {
        _ = try load(file: path, environment: [:])
    }

    static func apply(toml text: String, source: String, to config: inout RillConfig, refusing: Set<String> = []) throws(ConfigError) {
        let document: TOMLDocument
        do {
            document = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(source: source, line: error.line, reason: .syntax("\(error.message) (column \(error.column))"))
        }
        for table in document.tables {
            let path = table.path.joined(separator: ".")
            guard table.path.count == 1, ConfigSchema.sections.contains(path) else {
                throw ConfigError(source: source, line: table.line, key: path, reason: .unknownKey(suggestion: ConfigSchema.suggestion(for: path)))
            }
        }
        for entry in document.entries {
            let path = entry.path.joined(separator: ".")
            guard let key = ConfigSchema.byPath[path], !refusing.contains(path) else {
                throw ConfigError(source: source, line: entry.line, key: path, reason: .unknownKey(suggestion: ConfigSchema.suggestion(for: path)))
            }
            switch key.kind.check(entry.value) {
            case .success(let checked): key.assign(&config, checked)
            case .failure(let problem):
                throw ConfigError(source: source, line: entry.line, key: path, reason: .invalidValue(problem.message))
            }
        }
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
