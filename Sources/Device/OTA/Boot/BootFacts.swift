/// What the boot path says about this boot: the slot, the boot partition the firmware loaded, and whether it was the
/// firmware's one-time tryboot. Read from, in order:
///
/// - the kernel command line: `rill.slot=a|b` (U-Boot, tests), `rill.bootpart=N` and `rill.tryboot=0|1` (the QEMU
///   board's stand-in for the Pi firmware);
/// - `/run/rill/boot.env`, which the initramfs writes once it chose the slot (`RILL_SLOT=`, `RILL_BOOT_PARTITION=`,
///   `RILL_TRYBOOT=`);
/// - the Raspberry Pi firmware's `/proc/device-tree/chosen/bootloader/{partition,tryboot}` (4-byte big-endian cells).
///
/// A bundle's boot files are the same for either slot, so the slot is where the firmware loaded them from, not a
/// file in them; a boot partition maps to a slot through the board's partition numbers.
public struct BootFacts: Sendable, Equatable {
    /// Where the facts are read.
    public struct Sources: Sendable, Equatable {
        public var commandLine: String
        public var bootEnvironment: String
        public var firmwareDirectory: String

        public init(
            commandLine: String = "/proc/cmdline", bootEnvironment: String = "/run/rill/boot.env",
            firmwareDirectory: String = "/proc/device-tree/chosen/bootloader"
        ) {
            self.commandLine = commandLine
            self.bootEnvironment = bootEnvironment
            self.firmwareDirectory = firmwareDirectory
        }

        public static let system = Sources()
    }

    /// The slot, when something named it.
    public var slot: Slot?
    /// The partition the boot files came from.
    public var bootPartition: Int?
    /// Whether this boot was the firmware's tryboot; nil when no firmware (or stand-in) said.
    public var tryboot: Bool?

    public init(slot: Slot? = nil, bootPartition: Int? = nil, tryboot: Bool? = nil) {
        self.slot = slot
        self.bootPartition = bootPartition
        self.tryboot = tryboot
    }

    /// Longest file read.
    static let maxBytes = 8192

    /// Reads every source; earlier ones win.
    public static func read(_ sources: Sources = .system) -> BootFacts {
        var facts = BootFacts()
        if let text = text(sources.commandLine) {
            for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
                let parts = word.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "rill.slot": facts.slot = Slot(rawValue: String(parts[1])) ?? facts.slot
                case "rill.bootpart": facts.bootPartition = Int(parts[1]) ?? facts.bootPartition
                case "rill.tryboot": facts.tryboot = parts[1] == "1" ? true : parts[1] == "0" ? false : facts.tryboot
                default: break
                }
            }
        }
        if let text = text(sources.bootEnvironment) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "RILL_SLOT": facts.slot = facts.slot ?? Slot(rawValue: String(parts[1]))
                case "RILL_BOOT_PARTITION": facts.bootPartition = facts.bootPartition ?? Int(parts[1])
                case "RILL_TRYBOOT": facts.tryboot = facts.tryboot ?? (parts[1] == "1" ? true : parts[1] == "0" ? false : nil)
                default: break
                }
            }
        }
        if let partition = cell(sources.firmwareDirectory + "/partition") {
            facts.bootPartition = facts.bootPartition ?? partition
        }
        if let flag = cell(sources.firmwareDirectory + "/tryboot") {
            facts.tryboot = facts.tryboot ?? (flag != 0)
        }
        return facts
    }

    /// The booted slot: named, or the slot whose boot partition the firmware loaded.
    public func bootedSlot(partitions: [Slot: Int]) -> Slot? {
        if let slot { return slot }
        guard let bootPartition else { return nil }
        return partitions.first { $0.value == bootPartition }?.key
    }

    /// The booted slot, or why it cannot be told.
    public static func bootedSlot(_ sources: Sources = .system, partitions: [Slot: Int]) throws(BootloaderError) -> Slot {
        let facts = read(sources)
        guard let slot = facts.bootedSlot(partitions: partitions) else {
            throw .bootedSlotUnknown(
                "no rill.slot= on \(sources.commandLine), no RILL_SLOT in \(sources.bootEnvironment)"
                    + (facts.bootPartition.map { ", and boot partition \($0) is no slot's" } ?? ", and no boot partition from the firmware")
            )
        }
        return slot
    }

    private static func text(_ path: String) -> String? {
        guard let bytes = try? DurableFile.read(path, limit: maxBytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A device-tree cell: a 4-byte big-endian number.
    static func cell(_ path: String) -> Int? {
        guard let bytes = try? DurableFile.read(path, limit: 64), bytes.count == 4 else { return nil }
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
