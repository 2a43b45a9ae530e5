/// Everything `GET /api/v1/update` and `rill slot status` report: whether updates can be installed, the slots, the
/// booted slot, what the bootloader's store says, and the update in progress.
public struct UpdateStatus: Sendable {
    /// Why updates cannot be installed here (no trusted key, no slot partitions, booted slot unknown); nil when they can.
    public let unavailableReason: String?
    public let board: String
    public let bootloader: BootloaderKind
    /// The slot the running system booted from (kernel command line), when known.
    public let bootedSlot: Slot?
    /// The running system's version: what the slot state records for the booted slot, else this build's.
    public let runningVersion: BundleVersion
    /// The durable slot state.
    public let state: SlotState
    /// Where the state was loaded from (`fallback`: no valid copy).
    public let stateSource: SlotStore.Source
    /// The bootloader's store as it reads now (autoboot.txt's partitions, U-Boot variables).
    public let bootloaderView: [String: String]
    /// The update in progress, or the last one since the daemon started.
    public let progress: UpdateProgress
    /// Whether `POST /api/v1/update/reboot` can reboot this system.
    public let canReboot: Bool

    /// True when a bundle may be installed now (also requires running the last good slot).
    public var available: Bool { unavailableReason == nil }
}
