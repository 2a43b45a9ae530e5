import Config
import Logging
import Testing
import TestSupport
@testable import Web

@Suite(.serialized) struct SettingsTests {
    static let logger = Logger(label: "settings-test")

    @Test("changes are checked by the schema, written atomically, layered under the environment")
    func overrides() async throws {
        let directory = try TemporaryDirectory()
        let service = SettingsService(configFile: nil, dataDirectory: directory.path, environment: ["RILL_ENGINE_UPLOAD_RATE_LIMIT": "100"], engine: nil, theme: "plain", logger: Self.logger)
        let result = try await service.update(["engine.download_rate_limit": "2MiB", "ui.theme": "lcars", "engine.max_connections": "150"])
        #expect(result.applied == ["engine.download_rate_limit", "ui.theme"])
        #expect(result.afterRestart == ["engine.max_connections"])
        #expect(service.currentTheme == "lcars")
        let file = String(decoding: try TemporaryDirectory.readFile(directory.path + "/settings.toml"), as: UTF8.self)
        #expect(file.contains("[engine]\ndownload_rate_limit = \"2MiB\"\nmax_connections = 150\n"))
        #expect(file.contains("[ui]\ntheme = \"lcars\""))

        // The loader picks it up between the file and the environment.
        let environment = ["RILL_DATA_DIRECTORY": directory.path, "RILL_ENGINE_MAX_CONNECTIONS": "90"]
        let loaded = try ConfigLoader.load(file: nil, environment: environment, settingsOverrides: true)
        #expect(loaded.engine.downloadRateLimit == 2 << 20 && loaded.ui.theme == "lcars" && loaded.engine.maxConnections == 90)
        #expect(try ConfigLoader.load(file: nil, environment: ["RILL_DATA_DIRECTORY": directory.path]).engine.downloadRateLimit == 0, "opt-in")

        let entries = await service.entries()
        #expect(entries.first { $0.setting.key == "engine.download_rate_limit" }?.setting.source == "settings")
        #expect(entries.first { $0.setting.key == "engine.upload_rate_limit" }?.setting.source == "environment")
        #expect(entries.first { $0.setting.key == "ui.theme" }?.setting.choices == ["plain", "lcars"])

        // Refusals change nothing.
        for bad in [["engine.download_rate_limit": "fast"], ["engine.max_connections": "0"], ["ui.theme": "pink"],
                    ["data.directory": "/tmp"], ["engine.upload_rate_limit": "5"], ["nonsense.key": "1"]] {
            await #expect(throws: SettingsError.self, "\(bad)") { _ = try await service.update(bad) }
        }
        #expect(String(decoding: try TemporaryDirectory.readFile(directory.path + "/settings.toml"), as: UTF8.self) == file)
    }

    @Test("a settings.toml that sets data.directory or an unknown key is refused by the loader with its line")
    func loaderRefuses() throws {
        let directory = try TemporaryDirectory()
        try directory.write("settings.toml", Array("[engine]\nmax_connections = 10\n[data]\ndirectory = \"/elsewhere\"\n".utf8))
        #expect(throws: ConfigError.self) { try ConfigLoader.load(file: nil, environment: ["RILL_DATA_DIRECTORY": directory.path], settingsOverrides: true) }
        do {
            _ = try ConfigLoader.load(file: nil, environment: ["RILL_DATA_DIRECTORY": directory.path], settingsOverrides: true)
        } catch {
            #expect(error.description.contains("settings.toml:4: data.directory"))
        }
    }
}
