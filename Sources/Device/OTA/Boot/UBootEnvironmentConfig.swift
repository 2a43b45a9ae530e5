/// Where the U-Boot environment lives, read from an `fw_env.config` file — the same file `fw_printenv` and
/// `fw_setenv` read: one line per copy, `DEVICE OFFSET SIZE [SECTOR-SIZE [SECTORS]]`, numbers decimal or `0x` hex,
/// `#` comments. Two lines make a redundant environment (two copies, a flag byte choosing the newer).
public struct UBootEnvironmentConfig: Sendable, Equatable {
    /// One copy of the environment.
    public struct Copy: Sendable, Equatable {
        /// A file (`/boot/uboot.env`) or a block device (`/dev/mmcblk0`).
        public let path: String
        public let offset: Int
        /// Bytes of the copy: header (CRC, flag) and data.
        public let size: Int

        public init(path: String, offset: Int, size: Int) {
            self.path = path
            self.offset = offset
            self.size = size
        }
    }

    /// Largest environment copy accepted (U-Boot's are 8 KiB to 128 KiB).
    public static let maxSize = 1 << 20

    /// One copy, or two for a redundant environment.
    public let copies: [Copy]

    public init(copies: [Copy]) {
        self.copies = copies
    }

    public var isRedundant: Bool { copies.count == 2 }

    /// Parses the text of an `fw_env.config`.
    public init(parsing text: String, path: String) throws(BootloaderError) {
        var copies: [Copy] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count >= 3 else {
                throw .malformed(path: path, reason: "line \(index + 1): expected DEVICE OFFSET SIZE")
            }
            guard let offset = Self.number(fields[1]), let size = Self.number(fields[2]) else {
                throw .malformed(path: path, reason: "line \(index + 1): offset and size must be numbers")
            }
            guard size > 5, size <= Self.maxSize else {
                throw .malformed(path: path, reason: "line \(index + 1): size \(size) is not 6 bytes ... 1 MiB")
            }
            copies.append(Copy(path: String(fields[0]), offset: offset, size: size))
        }
        guard (1...2).contains(copies.count) else {
            throw .malformed(path: path, reason: "expected one or two environment lines, found \(copies.count)")
        }
        guard copies.count == 1 || copies[0].size == copies[1].size else {
            throw .malformed(path: path, reason: "the two copies differ in size")
        }
        self.copies = copies
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(BootloaderError) {
        let bytes: [UInt8]?
        do {
            bytes = try DurableFile.read(path, limit: 64 * 1024)
        } catch {
            throw .file(error)
        }
        guard let bytes else { throw .file(OTAFileError(path: path, operation: "open", errno: 2)) }
        try self.init(parsing: String(decoding: bytes, as: UTF8.self), path: path)
    }

    private static func number(_ text: Substring) -> Int? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }
}
