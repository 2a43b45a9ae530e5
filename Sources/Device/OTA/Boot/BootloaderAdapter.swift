/// How one board's boot path learns which slot to boot: it *projects* the `SlotState` (the durable truth, kept by
/// `SlotStore`) into the bootloader's own power-safe store, and at start-up *reconciles* the state with what the
/// bootloader did meanwhile (tries it counted, a rollback it made). See docs/OTA.md, "Mapping onto the bootloaders".
///
/// Rules every adapter keeps: the caller saves the slot state first and projects second, so a power cut between
/// the two only delays a trial or a commit; a projection that changes nothing writes nothing (SD wear); the last
/// good slot is what the bootloader boots whenever it is not explicitly trying the trial slot.
public protocol BootloaderAdapter: Sendable {
    /// Which kind of boot path this is.
    var kind: BootloaderKind { get }

    /// The tries a staged slot gets when `requested` are asked for (the Pi firmware's tryboot gives exactly one).
    func tries(requested: Int) -> Int

    /// Writes what `state` means for the next boots into the bootloader's store, when that differs from it.
    func project(_ state: SlotState) throws(BootloaderError)

    /// At start-up, with the running slot `booted`: records in `store` what the bootloader did since the state was
    /// last saved (tries used, a rollback), then projects the result. Returns what it found, for the log.
    func reconcile(store: SlotStore, booted: Slot) throws(BootloaderError) -> [String]

    /// Just before a reboot: records what the reboot will use (tryboot: the trial's one try) and says how to reboot.
    func prepareReboot(store: SlotStore) throws(BootloaderError) -> RebootPlan

    /// The bootloader's store as it reads now (for `GET /api/v1/update` and `rill slot status`).
    func view() -> [String: String]
}

/// The boot paths Rill supports.
public enum BootloaderKind: String, Sendable, CaseIterable {
    /// The slot state file is the only store: the initramfs runs `rill slot boot` on every boot (QEMU test board).
    case stateFile = "state-file"
    /// The Raspberry Pi firmware's `tryboot` (Pi 4, 400, CM4, 5): `autoboot.txt` and `reboot "0 tryboot"`.
    case tryboot
    /// U-Boot with `bootcount`/`bootlimit`/`altbootcmd` in a redundant environment (Pi 3, Zero 2 W).
    case uboot
}

/// How to reboot so that the intended slot starts next.
public struct RebootPlan: Sendable, Equatable, CustomStringConvertible {
    /// The slot the next boot starts.
    public let slot: Slot
    /// The argument of the kernel's restart (`reboot(2)` with `LINUX_REBOOT_CMD_RESTART2`): `0 tryboot` asks the
    /// Pi firmware for its one try; nil is a plain restart.
    public let argument: String?

    public init(slot: Slot, argument: String?) {
        self.slot = slot
        self.argument = argument
    }

    public var description: String { "reboot into \(slot)" + (argument.map { " (\($0))" } ?? "") }
}

/// The QEMU test board's boot path (and any board whose initramfs chooses the slot itself): the initramfs runs
/// `rill slot boot`, which is `SlotStore.bootSelection()`, on every boot and mounts the slot it prints. The slot
/// state file is the bootloader's store, so there is nothing to project or reconcile.
public struct StateFileBootloader: BootloaderAdapter {
    public init() {}

    public var kind: BootloaderKind { .stateFile }

    public func tries(requested: Int) -> Int { requested }

    public func project(_ state: SlotState) throws(BootloaderError) {}

    public func reconcile(store: SlotStore, booted: Slot) throws(BootloaderError) -> [String] { [] }

    public func prepareReboot(store: SlotStore) throws(BootloaderError) -> RebootPlan {
        // What the initramfs will choose; it uses the try itself.
        var state = store.load().state
        return RebootPlan(slot: state.selectBoot().slot, argument: nil)
    }

    public func view() -> [String: String] { [:] }
}
