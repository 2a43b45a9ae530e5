/// The Raspberry Pi firmware's `autoboot.txt` (first FAT partition), in the exact form Rill writes it:
///
///     [all]
///     tryboot_a_b=1
///     boot_partition=2          (the last good slot's boot partition)
///     [tryboot]
///     boot_partition=3          (the trial's, or the last good one's again when nothing is on trial)
///
/// padded with newlines to exactly `size` (512) bytes, so every update rewrites the same sector in place: no rename,
/// no new directory entry, the FAT itself untouched (HAOS #3331).
public struct AutobootFile: Sendable, Equatable {
    /// Bytes of the file, always.
    public static let size = 512

    /// The partition the firmware boots normally.
    public let bootPartition: Int
    /// The partition it boots after `reboot "0 tryboot"`.
    public let trybootPartition: Int

    public init(bootPartition: Int, trybootPartition: Int) {
        self.bootPartition = bootPartition
        self.trybootPartition = trybootPartition
    }

    /// The file's 512 bytes.
    public var bytes: [UInt8] {
        let text = "[all]\ntryboot_a_b=1\nboot_partition=\(bootPartition)\n[tryboot]\nboot_partition=\(trybootPartition)\n"
        let body = Array(text.utf8)
        return body + [UInt8](repeating: UInt8(ascii: "\n"), count: Self.size - body.count)
    }

    /// Reads the `boot_partition` of `[all]` and of `[tryboot]` from any autoboot.txt (comments, other settings and
    /// sections are skipped); nil when either is missing.
    public init?(parsing bytes: [UInt8]) {
        var section = "all"
        var found: [String: Int] = [:]
        for raw in String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.filter { $0 != " " && $0 != "\t" }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                section = String(trimmed.dropFirst().dropLast())
            } else if trimmed.hasPrefix("boot_partition="), let number = Int(trimmed.dropFirst("boot_partition=".count)) {
                found[section] = number
            }
        }
        guard let boot = found["all"], let tryboot = found["tryboot"] else { return nil }
        self.init(bootPartition: boot, trybootPartition: tryboot)
    }
}
