/// The daemon's recent starts that have not been followed by a clean stop or a long enough run: the evidence of a
/// crash loop. Kept as a few lines of text in the data directory (`device/starts`):
///
/// ```
/// rill-starts 1
/// start 6f1c0e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b 12345 1767225600
/// ```
///
/// one `start BOOT-ID BOOT-MILLISECONDS WALL-SECONDS` line per start, oldest first: the kernel's boot id, the
/// `CLOCK_BOOTTIME` milliseconds and the wall clock at that start. Within one boot the boot clock orders starts
/// reliably; across boots only the wall clock can, and a Pi without a real-time clock may not know the time yet.
public struct StartRecord: Sendable, Equatable {
    public struct Start: Sendable, Equatable {
        /// `/proc/sys/kernel/random/boot_id` at the start.
        public let bootID: String
        /// Milliseconds since the kernel booted (`CLOCK_BOOTTIME`).
        public let bootMilliseconds: Int64
        /// Seconds since 1970 by the wall clock, which may be wrong early after a boot without network.
        public let wallSeconds: Int64

        public init(bootID: String, bootMilliseconds: Int64, wallSeconds: Int64) {
            self.bootID = bootID
            self.bootMilliseconds = bootMilliseconds
            self.wallSeconds = wallSeconds
        }
    }

    public var starts: [Start]

    public init(starts: [Start] = []) {
        self.starts = starts
    }

    /// The most bytes a record file may have; larger files are refused before they are parsed.
    public static let maxBytes = 8192
    /// The most starts a record holds (the configured threshold is at most this).
    public static let maxStarts = 100

    static let header = "rill-starts 1"

    /// The file's text.
    public var encoded: [UInt8] {
        var text = Self.header + "\n"
        for start in starts.suffix(Self.maxStarts) {
            text += "start \(start.bootID) \(start.bootMilliseconds) \(start.wallSeconds)\n"
        }
        return Array(text.utf8)
    }

    /// Parses a record file. Anything but the exact format is refused with the line that is wrong.
    public init(parsing bytes: [UInt8]) throws(StartRecordError) {
        guard bytes.count <= Self.maxBytes else { throw StartRecordError(line: 0, reason: "larger than \(Self.maxBytes) bytes") }
        guard bytes.last == UInt8(ascii: "\n") else { throw StartRecordError(line: 0, reason: "does not end in a newline (torn write?)") }
        let lines = bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, String(decoding: first, as: UTF8.self) == Self.header else {
            throw StartRecordError(line: 1, reason: "the first line is not `\(Self.header)`")
        }
        var starts: [Start] = []
        for (index, raw) in lines.dropFirst().enumerated() {
            let number = index + 2
            let fields = raw.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count == 4, fields[0] == "start" else {
                throw StartRecordError(line: number, reason: "expected `start BOOT-ID BOOT-MILLISECONDS WALL-SECONDS`")
            }
            guard Self.isBootID(fields[1]) else { throw StartRecordError(line: number, reason: "not a boot id") }
            guard let boot = Self.number(fields[2]), let wall = Self.number(fields[3]) else {
                throw StartRecordError(line: number, reason: "not a number")
            }
            guard starts.count < Self.maxStarts else { throw StartRecordError(line: number, reason: "more than \(Self.maxStarts) starts") }
            starts.append(Start(bootID: fields[1], bootMilliseconds: boot, wallSeconds: wall))
        }
        self.starts = starts
    }

    /// A boot id as the kernel writes it: 36 characters of lowercase hex digits and dashes.
    static func isBootID(_ text: String) -> Bool {
        text.utf8.count == 36 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || $0 == 0x2D }
    }

    /// A canonical non-negative decimal of at most 15 digits.
    private static func number(_ text: String) -> Int64? {
        guard (1...15).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              text == "0" || text.utf8.first != 0x30 else { return nil }
        return Int64(text)
    }
}

/// A start record file that is not in the expected format: the line (1-based; 0 for the whole file) and why.
public struct StartRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public var description: String { line == 0 ? "start record: \(reason)" : "start record line \(line): \(reason)" }
}
