import ArgumentParser
import Config

/// `rill run`: the daemon. With no configuration file at all it starts a working development instance
/// (data under `./.rill`, HTTP on 127.0.0.1:8080).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the rill daemon.")

    @Option(name: .long, help: "The TOML configuration file (default: $RILL_CONFIG, else ./.rill/rill.toml if it exists).")
    var config: String?

    func run() async throws {
        let environment = processEnvironment()
        let path = config ?? environment["RILL_CONFIG"] ?? (fileExists(Self.developmentFile) ? Self.developmentFile : nil)
        let settings: RillConfig
        do {
            settings = try ConfigLoader.load(file: path, environment: environment, settingsOverrides: true)
        } catch {
            printError("rill: configuration refused: \(error.description)")
            throw ExitCode(2)
        }
        try await Daemon(config: settings, configFile: path, environment: environment).run()
    }

    static let developmentFile = "./.rill/rill.toml"
}
