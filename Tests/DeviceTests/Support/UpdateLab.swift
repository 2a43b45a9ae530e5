import Device
import Logging
import TestSupport
import Testing

/// A device on files for update service tests: slot targets `slot-<image>-a|b`, the slot state, a trusted key, and
/// bundles built from deterministic images.
final class UpdateLab: @unchecked Sendable {
    let directory: TemporaryDirectory
    let key: BundleSigningKey
    var settings: UpdateSettings
    static let imageNames = ["system.img", "boot.img"]

    init(board: String = "pi4", maxBundleBytes: Int = 64 << 20, download: DownloadSettings = DownloadSettings(retryDelayMilliseconds: 100)) throws {
        let directory = try TemporaryDirectory()
        let key = BundleSigningKey.generate()
        self.directory = directory
        self.key = key
        settings = UpdateSettings(
            board: board, trustedKeys: [key.publicKey], stateDirectory: directory.path,
            slotImages: try UpdateSettings.parseSlotImages(Self.imageNames.map { "\($0)=\(directory.path)/slot-\($0)-{slot}" }),
            maxBundleBytes: maxBundleBytes, tries: 3, download: download
        )
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "update-test")
        logger.logLevel = .critical
        return logger
    }

    /// A service running `booted`, started (state adopted, reconciled).
    func service(booted: Slot = .a, bootloader: any BootloaderAdapter = StateFileBootloader(), reboot: UpdateService.Reboot? = nil) -> UpdateService {
        let service = UpdateService(settings: settings, booted: .success(booted), bootloader: bootloader, reboot: reboot, logger: Self.quietLogger)
        service.start()
        return service
    }

    var store: SlotStore { SlotStore(directory: directory.path) }

    func slotPath(_ image: String, _ slot: Slot) -> String { directory.path + "/slot-\(image)-\(slot.rawValue)" }

    /// The images of a release: `systemBytes` and a quarter of that for boot, from `seed`.
    func images(systemBytes: Int, seed: UInt64) -> [(String, [UInt8])] {
        [("system.img", OTAFixtures.bytes(systemBytes, seed: seed)), ("boot.img", OTAFixtures.bytes(max(1, systemBytes / 4), seed: seed + 100))]
    }

    /// A signed bundle file in the lab folder.
    func bundle(
        _ name: String, version: String = "0.2.0", board: String = "pi4", minimum: String = "0.1.0", systemBytes: Int = 300_000,
        seed: UInt64 = 1, key: BundleSigningKey? = nil
    ) throws -> String {
        try OTAFixtures.bundle(
            in: directory, name: name, version: version, board: board, minimum: minimum,
            images: images(systemBytes: systemBytes, seed: seed), key: key ?? self.key
        )
    }

    /// The slot files of `slot` now (nil where missing).
    func slotContents(_ slot: Slot) -> [String: [UInt8]?] {
        Dictionary(uniqueKeysWithValues: Self.imageNames.map { ($0, try? TestFile.read(slotPath($0, slot))) })
    }

    /// Fills slot `slot` with the images of `seed` (a system that "runs" there).
    func install(_ slot: Slot, systemBytes: Int = 300_000, seed: UInt64) throws {
        for (name, bytes) in images(systemBytes: systemBytes, seed: seed) { try TestFile.write(slotPath(name, slot), bytes) }
    }
}
