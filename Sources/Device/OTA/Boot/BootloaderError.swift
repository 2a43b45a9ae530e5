/// A board adapter could not read or write the bootloader's store, or the boot facts it needs are missing.
public enum BootloaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file of the bootloader (autoboot.txt, the U-Boot environment, a device-tree property) failed.
    case file(OTAFileError)
    /// The bootloader's store exists but is not in the expected format: where and why.
    case malformed(path: String, reason: String)
    /// Which slot is running cannot be told (no `rill.slot=` on the kernel command line).
    case bootedSlotUnknown(String)
    /// This machine does not boot the way the adapter expects (tryboot on a machine without the Pi firmware).
    case unsupported(String)
    /// The slot state could not be updated while reconciling.
    case slotState(SlotStateError)

    public var description: String {
        switch self {
        case .file(let error): "bootloader: \(error)"
        case .malformed(let path, let reason): "bootloader: \(path): \(reason)"
        case .bootedSlotUnknown(let reason): "booted slot unknown: \(reason)"
        case .unsupported(let reason): "bootloader: \(reason)"
        case .slotState(let error): "bootloader: \(error)"
        }
    }
}
