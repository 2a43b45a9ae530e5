import Config
import Device

/// Turns `[update]` into what the update service and `rill slot` need: settings, the running slot, the boot path.
/// A setting that cannot be used makes updates unavailable (with the reason in `GET /api/v1/update` and the log);
/// the daemon itself still runs.
enum UpdateSetup {
    /// The settings, and why updates cannot be installed as configured (nil when they can).
    static func settings(_ config: RillConfig) -> (settings: UpdateSettings, problem: String?) {
        let section = config.update
        var problem: String?
        var keys: [BundlePublicKey] = []
        do {
            keys = try UpdateSettings.parseKeys(section.publicKeys)
        } catch {
            problem = "[update] public_keys: \(error)"
        }
        if fileExists(section.publicKeyFile) {
            do {
                let key = try BundlePublicKey(contentsOfFile: section.publicKeyFile)
                if !keys.contains(key) { keys.append(key) }
            } catch {
                problem = problem ?? "[update] public_key_file: \(error)"
            }
        }
        var images: [String: [Slot: String]] = [:]
        do {
            images = try UpdateSettings.parseSlotImages(section.slotImages)
        } catch {
            problem = problem ?? "[update] slot_images: \(error)"
        }
        let settings = UpdateSettings(
            board: section.board, trustedKeys: problem == nil ? keys : [], stateDirectory: stateDirectory(config),
            slotImages: problem == nil ? images : [:], maxBundleBytes: section.maxBundleBytes, tries: section.tries,
            download: DownloadSettings(attempts: section.downloadAttempts, stallSeconds: section.downloadStallSeconds)
        )
        return (settings, problem)
    }

    /// The slot state's folder.
    static func stateDirectory(_ config: RillConfig) -> String {
        let folder = config.update.stateDirectory
        return folder.hasPrefix("/") ? folder : config.dataDirectory + "/" + folder
    }

    /// The running slot: from the configuration when it names one, else from the boot facts.
    static func bootedSlot(_ config: RillConfig) -> Result<Slot, BootloaderError> {
        if let slot = Slot(rawValue: config.update.bootedSlot) { return .success(slot) }
        do {
            return .success(try BootFacts.bootedSlot(partitions: partitions(config)))
        } catch {
            return .failure(error)
        }
    }

    /// Each slot's boot partition number.
    static func partitions(_ config: RillConfig) -> [Slot: Int] {
        [.a: config.update.trybootPartitionA, .b: config.update.trybootPartitionB]
    }

    /// The boot path's adapter.
    static func bootloader(_ config: RillConfig) throws(BootloaderError) -> any BootloaderAdapter {
        let section = config.update
        switch section.bootloader {
        case "tryboot":
            return TrybootBootloader(
                autobootPath: section.autobootPath, autobootOffset: section.autobootOffset, partitions: partitions(config)
            )
        case "uboot":
            return UBootBootloader(config: try UBootEnvironmentConfig(contentsOf: section.ubootEnvConfig))
        default:
            return StateFileBootloader()
        }
    }
}
