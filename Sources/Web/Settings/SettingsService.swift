import Config
import Logging
import Synchronization
import Torrent

/// The settings people change in the web UI: reads the value in force of each editable key and where it comes
/// from, writes `<data>/settings.toml` (``Config/SettingsOverrides``) atomically, and applies what can change
/// while running (the engine's rate limits, the theme); the rest is reported as taking effect after a restart.
///
/// Contract: an update is all or nothing — every value is checked by the configuration schema before the file is
/// written; a key the environment overrides is refused (the environment would win anyway).
public actor SettingsService {
    /// The keys the settings page offers, in the order it shows them.
    public static let editableKeys = [
        "ui.theme",
        "engine.download_rate_limit", "engine.upload_rate_limit",
        "engine.seed_ratio_limit_percent", "engine.seed_time_limit_minutes",
        "engine.max_connections", "engine.max_peers_per_torrent", "engine.download_directory",
        "stream.ram_cache_bytes", "stream.disk_cache_max", "stream.disk_cache_target",
        "device.hostname", "device.leds",
        "log.level",
    ]

    /// Keys applied at once; the others need a restart.
    public static let liveKeys: Set<String> = ["ui.theme", "engine.download_rate_limit", "engine.upload_rate_limit"]

    /// One setting with whether a change applies at once.
    public struct Entry: Sendable, Equatable {
        public let setting: SettingsOverrides.Setting
        public let live: Bool
    }

    /// What an update did.
    public struct UpdateResult: Sendable, Equatable {
        public var applied: [String] = []
        public var afterRestart: [String] = []
    }

    private let configFile: String?
    private let dataDirectory: String
    private let environment: [String: String]
    private let engine: Engine?
    private let logger: Logger
    private let theme: Mutex<String>

    public init(configFile: String?, dataDirectory: String, environment: [String: String], engine: Engine?, theme: String, logger: Logger) {
        self.configFile = configFile
        self.dataDirectory = dataDirectory
        self.environment = environment
        self.engine = engine
        self.logger = logger
        self.theme = Mutex(theme)
    }

    /// The theme pages are drawn in (`plain` or `lcars`); read on every page, so not isolated.
    public nonisolated var currentTheme: String { theme.withLock { $0 } }

    public func entries() -> [Entry] {
        SettingsOverrides.effective(keys: Self.editableKeys, configFile: configFile, dataDirectory: dataDirectory, environment: environment)
            .map { Entry(setting: $0, live: Self.liveKeys.contains($0.key)) }
    }

    /// Checks and stores `changes` (key → text as typed), then applies the live ones.
    public func update(_ changes: [String: String]) async throws(SettingsError) -> UpdateResult {
        let known = Set(entries().map(\.setting.key))
        var literals: [String: String] = [:]
        for (key, text) in changes.sorted(by: { $0.key < $1.key }) {
            guard known.contains(key) else { throw .refused(key: key, reason: "not a setting the UI changes") }
            if environment.keys.contains("RILL_" + key.uppercased().replacing(".", with: "_")) {
                throw .refused(key: key, reason: "set by the environment (\("RILL_" + key.uppercased().replacing(".", with: "_"))), which wins over the UI")
            }
            do throws(ConfigError) {
                literals[key] = try SettingsOverrides.literal(for: key, text: text)
            } catch {
                throw .refused(key: key, reason: error.description)
            }
        }
        let path = SettingsOverrides.path(dataDirectory: dataDirectory)
        var stored: [String: String]
        do throws(ConfigError) {
            stored = try SettingsOverrides.read(path: path)
        } catch {
            logger.error("settings.toml is invalid and is replaced", metadata: ["error": "\(error)"])
            stored = [:]
        }
        stored.merge(literals) { $1 }
        do throws(StorageError) {
            try AtomicFile.write(Array(SettingsOverrides.render(stored).utf8), to: path, mode: 0o600)
        } catch {
            throw .storage(error.description)
        }
        var result = UpdateResult()
        for key in literals.keys.sorted() {
            if Self.liveKeys.contains(key) { result.applied.append(key) } else { result.afterRestart.append(key) }
        }
        await applyLive(literals.keys)
        logger.notice("settings changed", metadata: ["keys": "\(literals.keys.sorted())"])
        return result
    }

    /// Applies the live keys among `keys` from the values now in force.
    private func applyLive(_ keys: some Collection<String>) async {
        let values = Dictionary(entries().map { ($0.setting.key, $0.setting.value) }, uniquingKeysWith: { $1 })
        if keys.contains("ui.theme"), let value = values["ui.theme"] { theme.withLock { $0 = value } }
        if keys.contains("engine.download_rate_limit") || keys.contains("engine.upload_rate_limit"), let engine {
            let down = ByteSize.parse(values["engine.download_rate_limit"] ?? "0") ?? 0
            let up = ByteSize.parse(values["engine.upload_rate_limit"] ?? "0") ?? 0
            await engine.setRateLimits(download: down, upload: up)
        }
    }
}

/// A settings change that was refused.
public enum SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(key: String, reason: String)
    case storage(String)

    public var description: String {
        switch self {
        case .refused(let key, let reason): reason.hasPrefix("settings") ? reason : "\(key): \(reason)"
        case .storage(let why): "the settings could not be saved: \(why)"
        }
    }
}
