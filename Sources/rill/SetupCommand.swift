#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import Config
import Logging
import Web

/// `rill setup preseed FILE`: applies a first-boot preseed file (admin password hash, VPN, host name, Wi-Fi) and
/// removes its secrets from it. The image's first boot runs it with the FAT partition's `rill.toml`.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup", abstract: "First-boot setup without the web wizard.", subcommands: [Preseed.self]
    )

    struct Preseed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a preseed file once and rewrite it without its secret keys (docs/UI.md shows the format)."
        )

        @Argument(help: "The preseed TOML file.")
        var file: String

        @Option(name: .long, help: "Where to write the wpa_supplicant configuration when the file has [wifi].")
        var wifiConf: String?

        @Option(name: .long, help: "The configuration file (default: $RILL_CONFIG, else ./.rill/rill.toml if it exists).")
        var config: String?

        func run() async throws {
            let environment = processEnvironment()
            let path = config ?? environment["RILL_CONFIG"] ?? (fileExists(RunCommand.developmentFile) ? RunCommand.developmentFile : nil)
            let settings: RillConfig
            do {
                settings = try ConfigLoader.load(file: path, environment: environment)
            } catch {
                printError("rill: configuration refused: \(error.description)")
                throw ExitCode(2)
            }
            var logger = Logger(label: "rill.preseed")
            logger.logLevel = .warning
            do {
                let report = try await Web.Preseed.apply(file: file, config: settings, wifiConfigPath: wifiConf, logger: logger)
                for item in report.applied { print("applied: \(item)") }
                for item in report.skipped { print("skipped: \(item)") }
            } catch {
                printError("rill setup preseed: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// `rill passwd --hash`: reads a password on standard input, prints its scrypt hash string (for preseed files).
struct PasswdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Print the hash of a password read on standard input (for a preseed file)."
    )

    @Flag(name: .long, help: "Print the hash string (the only mode).")
    var hash = false

    func run() async throws {
        guard hash else {
            printError("rill passwd: use --hash (rill never stores a password it is given here)")
            throw ExitCode(2)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while bytes.count <= 2048 {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        while bytes.last == UInt8(ascii: "\n") || bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        let password = String(decoding: bytes, as: UTF8.self)
        guard password.count >= 8, bytes.count <= PasswordHash.Limits.passwordBytes.upperBound else {
            printError("rill passwd: a password needs 8 to \(PasswordHash.Limits.passwordBytes.upperBound) bytes")
            throw ExitCode(1)
        }
        do {
            print(try PasswordHash.make(password: password).string)
        } catch {
            printError("rill passwd: \(error)")
            throw ExitCode(1)
        }
    }
}
