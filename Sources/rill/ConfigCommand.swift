import ArgumentParser
import Config

/// `rill config check FILE` and `rill config defaults`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file or print the built-in defaults.",
        subcommands: [Check.self, Defaults.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check FILE; print what is wrong and exit 1 if it is refused.")

        @Argument(help: "The TOML file to check.")
        var file: String

        func run() throws {
            do {
                try ConfigLoader.check(file: file)
                print("\(file): ok")
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
    }

    struct Defaults: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the built-in defaults as a TOML file.")

        func run() {
            print(EmbeddedDefaults.toml, terminator: "")
        }
    }
}
