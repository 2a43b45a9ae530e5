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
/// tryboot reboot. At start-up the boot facts (`BootFacts`: the firmware's device-tree cells, or the QEMU board's
/// stand-in on the command line) say what happened: running the last good slot with the trial's try used means the
/// try failed → `rolled-back`.
///
/// `autoboot.txt` (`AutobootFile`, 512 bytes) is rewritten in place: either the file on a mounted FAT (offset 0),
/// or — so the FAT is never mounted — its 512 bytes at `autobootOffset` of the raw boot-select partition, where the
/// image build found its one cluster. On the raw partition the bytes there must already read as an autoboot.txt,
/// or nothing is written (a wrong offset must not damage the FAT).
public struct TrybootBootloader: BootloaderAdapter {
    /// autoboot.txt on a mounted FAT, or the boot-select partition's device.
    public let autobootPath: String
    /// Where the file's bytes start in `autobootPath` (0 for the file itself).
    public let autobootOffset: Int
    /// Each slot's boot partition number as `boot_partition` counts it.
    public let partitions: [Slot: Int]
    /// Where the boot facts are read.
    public let facts: BootFacts.Sources

    public init(autobootPath: String, autobootOffset: Int = 0, partitions: [Slot: Int], facts: BootFacts.Sources = .system) {
        self.autobootPath = autobootPath
        self.autobootOffset = autobootOffset
        self.partitions = partitions
        self.facts = facts
    }

    public var kind: BootloaderKind { .tryboot }

    public func tries(requested: Int) -> Int { 1 }

    /// The autoboot.txt that says what `state` means.
    func file(for state: SlotState) -> AutobootFile {
        let good = partitions[state.lastGood] ?? 0
        return AutobootFile(bootPartition: good, trybootPartition: state.trial.flatMap { partitions[$0.slot] } ?? good)
    }

    /// True when autoboot.txt is written inside a partition rather than as a file of its own.
    private var isRaw: Bool { autobootOffset > 0 || autobootPath.hasPrefix("/dev/") }

    /// The 512 bytes where autoboot.txt is (fewer when the file is shorter); nil when there is no file.
    func currentBytes() throws(BootloaderError) -> [UInt8]? {
        do throws(OTAFileError) {
            let file: OTAFile
            do {
                file = try OTAFile.reading(autobootPath)
            } catch {
                if error.errno == ENOENT, !isRaw { return nil }
                throw error
            }
            var bytes = [UInt8](repeating: 0, count: AutobootFile.size)
            let result: Result<Int, OTAFileError> = bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(OTAFileError) in try file.read(into: buffer, at: autobootOffset) }
            }
            let count = try result.get()
            try file.close()
            return Array(bytes[..<count])
        } catch {
            throw .file(error)
        }
    }

    public func project(_ state: SlotState) throws(BootloaderError) {
        let wanted = file(for: state).bytes
        let current = try currentBytes()
        if isRaw, current.flatMap({ AutobootFile(parsing: $0) }) == nil {
            throw .malformed(
                path: autobootPath,
                reason: "the \(AutobootFile.size) bytes at offset \(autobootOffset) are not an autoboot.txt; nothing was written"
            )
        }
        let size = isRaw ? nil : (try? DurableFile.read(autobootPath, limit: 64 * 1024))?.count
        guard current != wanted || (size ?? AutobootFile.size) != AutobootFile.size else { return }
        do {
            // In place: the same bytes of the same cluster, then fsync. Only a file of another length (made by
            // something else) is cut to size, once.
            let file = try OTAFile.open(autobootPath, flags: isRaw ? O_RDWR : O_RDWR | O_CREAT, mode: 0o644)
            try file.write(wanted, at: autobootOffset)
            if !isRaw, size != wanted.count { try file.truncate(to: wanted.count) }
            try file.sync()
            try file.close()
            if current == nil { try DurableFile.syncFolder(of: autobootPath) }
        } catch {
            throw .file(error)
        }
    }

    public func reconcile(store: SlotStore, booted: Slot) throws(BootloaderError) -> [String] {
        var notes: [String] = []
        let boot = BootFacts.read(facts)
        if let partition = boot.bootPartition, partition != partitions[booted] {
            notes.append("the firmware booted partition \(partition) but the running slot is \(booted) (partition \(partitions[booted].map(String.init) ?? "?"))")
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
        guard BootFacts.read(facts).tryboot != nil else {
            throw .unsupported(
                "this machine was not started by the Raspberry Pi firmware (no \(facts.firmwareDirectory), no rill.tryboot= on the command line): it cannot tryboot"
            )
        }
        let decision = store.bootSelection()
        guard decision.slot == trial.slot else { return RebootPlan(slot: decision.slot, argument: nil) }
        return RebootPlan(slot: trial.slot, argument: "0 tryboot")
    }

    public func view() -> [String: String] {
        var view: [String: String] = [:]
        if let bytes = try? currentBytes(), let file = AutobootFile(parsing: bytes) {
            view["boot_partition"] = String(file.bootPartition)
            view["tryboot_partition"] = String(file.trybootPartition)
        } else {
            view["error"] = "\(autobootPath) (offset \(autobootOffset)) is missing or names no boot_partition"
        }
        let boot = BootFacts.read(facts)
        if let tryboot = boot.tryboot { view["firmware_tryboot"] = tryboot ? "1" : "0" }
        if let partition = boot.bootPartition { view["firmware_partition"] = String(partition) }
        return view
    }
}
