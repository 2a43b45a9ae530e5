import ArgumentParser
import Config
import Device

/// `rill slot`: the A/B slot state for scripts and the initramfs (docs/OTA.md).
struct SlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slot",
        abstract: "Show or change the A/B slot state.",
        subcommands: [Status.self, MarkGood.self, MarkBad.self, Boot.self]
    )

    /// The configuration file option every subcommand takes.
    struct ConfigOptions: ParsableArguments {
        @Option(name: .long, help: "The TOML configuration file (default: $RILL_CONFIG, else ./.rill/rill.toml if it exists).")
        var config: String?

        func load() throws -> RillConfig {
            let environment = processEnvironment()
            let path = config ?? environment["RILL_CONFIG"] ?? (fileExists(RunCommand.developmentFile) ? RunCommand.developmentFile : nil)
            do {
                return try ConfigLoader.load(file: path, environment: environment)
            } catch {
                printError("rill slot: configuration refused: \(error.description)")
                throw ExitCode(2)
            }
        }
    }

    /// The store, the running slot and the boot path, as the daemon sees them.
    static func context(_ options: ConfigOptions) throws -> (SlotStore, Slot, any BootloaderAdapter) {
        let config = try options.load()
        let booted: Slot
        switch UpdateSetup.bootedSlot(config) {
        case .success(let slot): booted = slot
        case .failure(let error):
            printError("rill slot: \(error)")
            throw ExitCode(2)
        }
        do {
            return (SlotStore(directory: UpdateSetup.stateDirectory(config)), booted, try UpdateSetup.bootloader(config))
        } catch {
            printError("rill slot: \(error)")
            throw ExitCode(2)
        }
    }

    /// `rill slot status`: the state, the booted slot and the bootloader's view.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the slot state.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let config = try options.load()
            let store = SlotStore(directory: UpdateSetup.stateDirectory(config))
            let loaded = store.load()
            let state = loaded.state
            let booted = try? UpdateSetup.bootedSlot(config).get()
            print("booted:      \(booted.map { $0.rawValue } ?? "unknown (no rill.slot= on the kernel command line)")")
            print("last good:   \(state.lastGood.rawValue)")
            if let trial = state.trial {
                print("trial:       \(trial.slot.rawValue) \(trial.version), \(trial.triesLeft) tries left")
            } else {
                print("trial:       none")
            }
            for slot in Slot.allCases {
                var roles: [String] = []
                if slot == state.lastGood { roles.append("last good") }
                if slot == state.trial?.slot { roles.append("trial") }
                if slot == booted { roles.append("booted") }
                let version = state.versions[slot]?.description ?? "none"
                print("slot \(slot.rawValue):      \(version)\(roles.isEmpty ? "" : " (\(roles.joined(separator: ", ")))")")
            }
            print("last result: \(state.lastResult?.description ?? "none")")
            print("state:       \(store.primaryPath) (\(loaded.source.rawValue), generation \(state.generation))")
            for problem in loaded.problems { print("problem:     \(problem)") }
            print("bootloader:  \(config.update.bootloader)")
            if let bootloader = try? UpdateSetup.bootloader(config) {
                for (key, value) in bootloader.view().sorted(by: { $0.key < $1.key }) { print("  \(key)=\(value)") }
            }
        }
    }

    /// `rill slot mark-good`: commits the running trial slot.
    struct MarkGood: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-good", abstract: "Commit the running trial slot (it becomes the last good one)."
        )

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let (store, booted, bootloader) = try SlotCommand.context(options)
            do {
                let changed = try store.markGood(booted: booted)
                try bootloader.project(store.load().state)
                print(changed ? "slot \(booted.rawValue) committed" : "slot \(booted.rawValue) already is the last good slot")
            } catch {
                printError("rill slot mark-good: \(error)")
                throw ExitCode(1)
            }
        }
    }

    /// `rill slot mark-bad`: ends the running trial; the next boot is the last good slot.
    struct MarkBad: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-bad", abstract: "End the running trial: the next boot returns to the last good slot."
        )

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let (store, booted, bootloader) = try SlotCommand.context(options)
            do {
                try store.markBad(booted: booted)
                try bootloader.project(store.load().state)
                print("slot \(booted.rawValue) marked bad; reboot to return to slot \(store.load().state.lastGood.rawValue)")
            } catch {
                printError("rill slot mark-bad: \(error)")
                throw ExitCode(1)
            }
        }
    }

    /// `rill slot boot`: the initramfs's choice on every boot of the state-file boot path. Prints `a` or `b`.
    struct Boot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Choose the slot to boot now (uses a try of a trial); prints a or b. For the initramfs.",
            discussion: "The answer is always a bootable slot: when the choice cannot be saved, the last good one."
        )

        @OptionGroup var options: ConfigOptions

        @Option(name: .long, help: "The slot state folder (default: [update] state_directory).")
        var stateDirectory: String?

        func run() throws {
            let directory: String
            if let stateDirectory {
                directory = stateDirectory
            } else {
                let config = try options.load()
                guard config.update.bootloader == BootloaderKind.stateFile.rawValue else {
                    printError("rill slot boot: the bootloader chooses the slot here ([update] bootloader = \(config.update.bootloader))")
                    throw ExitCode(2)
                }
                directory = UpdateSetup.stateDirectory(config)
            }
            let decision = SlotStore(directory: directory).bootSelection()
            printError("rill slot boot: \(decision)")
            print(decision.slot.rawValue)
        }
    }
}
