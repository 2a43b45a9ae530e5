/// The slot the running system booted from, as the boot path tells the kernel: `rill.slot=a` or `rill.slot=b` on
/// the kernel command line (the Pi's `cmdline.txt` in each slot's boot files, U-Boot's `bootargs`, the QEMU
/// harness's `-append`). The slot's own boot files name it, so the answer is right whoever chose the slot.
public enum KernelCommandLine {
    /// Longest command line read (the kernel's own limit is 4 KiB on arm64, 2 KiB on x86).
    static let maxBytes = 8192

    /// The value of `rill.slot=` in `text`: `.a`, `.b`, or nil when it is missing or names no slot.
    public static func slot(in text: String) -> Slot? {
        var found: Slot?
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard word.hasPrefix("rill.slot=") else { continue }
            // The last one wins, as for every kernel parameter.
            found = Slot(rawValue: String(word.dropFirst("rill.slot=".count)))
        }
        return found
    }

    /// The booted slot from the command line file (`/proc/cmdline`); throws when it cannot be read or names no slot.
    public static func bootedSlot(path: String = "/proc/cmdline") throws(BootloaderError) -> Slot {
        let bytes: [UInt8]?
        do {
            bytes = try DurableFile.read(path, limit: maxBytes)
        } catch {
            throw .file(error)
        }
        guard let bytes else { throw .bootedSlotUnknown("\(path) does not exist") }
        guard let slot = slot(in: String(decoding: bytes, as: UTF8.self)) else {
            throw .bootedSlotUnknown("\(path) has no rill.slot=a or rill.slot=b")
        }
        return slot
    }
}
