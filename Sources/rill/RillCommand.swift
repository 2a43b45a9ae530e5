import ArgumentParser
import Device

/// `rill`: the daemon and its helper commands.
@main
struct RillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rill",
        abstract: "Rill: a VPN-bound BitTorrent and streaming appliance daemon.",
        version: RillVersion.current,
        subcommands: [
            RunCommand.self, FetchCommand.self, VersionCommand.self, ConfigCommand.self, BundleCommand.self, SlotCommand.self,
            SetupCommand.self, PasswdCommand.self,
        ]
    )
}

/// `rill version`: prints the version and exits.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of rill.")

    func run() {
        print(RillVersion.current)
    }
}
