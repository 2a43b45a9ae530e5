#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Raspberry Pi firmware's `tryboot` (Pi 4, 400, CM4, 5): `autoboot.txt` says which boot partition to boot
/// normally (`[all]`: the last good slot) and which after `reboot "0 tryboot"` (`[tryboot]`: the trial). The firmware
/// gives exactly one try and any reset afterwards (a crash, the watchdog, a power cut) boots `[all]` again.
///
/// So a trial has one try (`tries(requested:)` is 1), and the try is recorded as used (`bootSelection()`) before the
/// tryboot reboot. At start-up the firmware's facts (`/proc/device-tree/chosen/bootloader/tryboot` and `partition`)
/// and the kernel command line say what happened: running the last good slot with the trial's try used means the try
/// failed → `rolled-back`. `autoboot.txt` is rewritten in place at its fixed 512 bytes (see `AutobootFile`).
public struct TrybootBootloader: BootloaderAdapter {
    public let autobootPath: String
    /// Each slot's boot partition number as `boot_partition` counts it.
    public let partitions: [Slot: Int]
    /// Where the firmware publishes its boot facts.
    public let firmwareDirectory: String

    public init(autobootPath: String, partitions: [Slot: Int], firmwareDirectory: String = "/proc/device-tree/chosen/bootloader") {
        self.autobootPath = autobootPath
        self.partitions = partitions
        self.firmwareDirectory = firmwareDirectory
    }

    public var kind: BootloaderKind { .tryboot }

    public func tries(requested: Int) -> Int { 1 }

    /// The autoboot.txt that says what `state` means.
    func file(for state: SlotState) -> AutobootFile {
        let good = partitions[state.lastGood] ?? 0
        return AutobootFile(bootPartition: good, trybootPartition: state.trial.flatMap { partitions[$0.slot] } ?? good)
    }

    public func project(_ state: SlotState) throws(BootloaderError) {
        let wanted = file(for: state).bytes
        do {
            let current = try DurableFile.read(autobootPath, limit: 64 * 1024)
            guard current != wanted else { return }
            // In place: the same bytes of the same cluster, then fsync. Only a file of another length (made by
            // something else) is cut to size, once.
            let file = try OTAFile.open(autobootPath, flags: O_RDWR | O_CREAT, mode: 0o644)
            try file.write(wanted, at: 0)
            if current?.count != wanted.count { try file.truncate(to: wanted.count) }
            try file.sync()
            try file.close()
            if current == nil { try DurableFile.syncFolder(of: autobootPath) }
        } catch {
            throw .file(error)
        }
    }

    /// What the firmware says about this boot: whether it was a tryboot, and the partition it booted. Nil when
    /// this machine was not started by the Raspberry Pi firmware.
    func firmwareFacts() -> (tryboot: Bool, partition: Int?)? {
        guard let flag = Self.deviceTreeNumber(firmwareDirectory + "/tryboot") else { return nil }
        return (flag != 0, Self.deviceTreeNumber(firmwareDirectory + "/partition"))
    }

    /// A device-tree cell: a 4-byte big-endian number.
    static func deviceTreeNumber(_ path: String) -> Int? {
        guard let bytes = try? DurableFile.read(path, limit: 64), bytes.count == 4 else { return nil }
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }

    public func reconcile(store: SlotStore, booted: Slot) throws(BootloaderError) -> [String] {
        var notes: [String] = []
        let facts = firmwareFacts()
        if let facts, let partition = facts.partition, partition != partitions[booted] {
            notes.append("the firmware booted partition \(partition) but the kernel command line says slot \(booted) (partition \(partitions[booted].map(String.init) ?? "?"))")
        }
        let state = store.load().state
        if let trial = state.trial {
            do {
                if booted == trial.slot {
                    if trial.triesLeft > 0 {
                        // Booted the trial without rill having asked (a manual tryboot): its one try is in use.
                        try store.recordTriesLeft(0, of: trial.slot)
                        notes.append("running the trial slot \(trial.slot): its one try is in use")
                    }
                } else if booted == state.lastGood, trial.triesLeft == 0 {
                    let decision = store.bootSelection()
                    notes.append("the tryboot of slot \(trial.slot) did not stay up (the firmware returned to \(booted)): \(decision)")
                }
            } catch {
                throw .slotState(error)
            }
        }
        try project(store.load().state)
        return notes
    }

    public func prepareReboot(store: SlotStore) throws(BootloaderError) -> RebootPlan {
        let state = store.load().state
        try project(state)
        guard let trial = state.trial, trial.triesLeft > 0 else { return RebootPlan(slot: state.lastGood, argument: nil) }
        guard firmwareFacts() != nil else {
            throw .unsupported("this machine was not started by the Raspberry Pi firmware (no \(firmwareDirectory)): it cannot tryboot")
        }
        let decision = store.bootSelection()
        guard decision.slot == trial.slot else { return RebootPlan(slot: decision.slot, argument: nil) }
        return RebootPlan(slot: trial.slot, argument: "0 tryboot")
    }

    public func view() -> [String: String] {
        var view: [String: String] = [:]
        if let bytes = try? DurableFile.read(autobootPath, limit: 64 * 1024), let file = AutobootFile(parsing: bytes) {
            view["boot_partition"] = String(file.bootPartition)
            view["tryboot_partition"] = String(file.trybootPartition)
        } else {
            view["error"] = "\(autobootPath) is missing or names no boot_partition"
        }
        if let facts = firmwareFacts() {
            view["firmware_tryboot"] = facts.tryboot ? "1" : "0"
            if let partition = facts.partition { view["firmware_partition"] = String(partition) }
        }
        return view
    }
}
