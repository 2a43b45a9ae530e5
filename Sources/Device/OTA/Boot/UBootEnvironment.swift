#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The U-Boot environment, read and written in U-Boot's own format, byte-compatible with `fw_printenv` and
/// `fw_setenv` (libubootenv) and with U-Boot's `saveenv`:
///
///     CRC-32 (4 bytes, little-endian, over the data area) · flag (1 byte, redundant environments only) ·
///     data: "name=value\0" ... "\0", padded with zero bytes to the copy's size
///
/// A redundant environment has two copies; the valid one with the higher flag (255 → 0 wraps) is current. A write
/// goes to the *other* copy with the current flag + 1 and is fsynced, so a power cut during it leaves the current
/// copy valid and chosen (the torn copy fails its CRC). With only one copy, a cut can tear it; U-Boot then falls back
/// to its built-in environment.
public struct UBootEnvironment: Sendable, Equatable {
    /// The variables in the order they are stored (U-Boot and libubootenv sort them by name).
    public private(set) var variables: [(name: String, value: String)]
    /// Which copy this was read from, and its flag.
    public let copyIndex: Int
    public let flag: UInt8

    public static func == (lhs: UBootEnvironment, rhs: UBootEnvironment) -> Bool {
        lhs.copyIndex == rhs.copyIndex && lhs.flag == rhs.flag
            && lhs.variables.map(\.name) == rhs.variables.map(\.name) && lhs.variables.map(\.value) == rhs.variables.map(\.value)
    }

    public init(variables: [(name: String, value: String)], copyIndex: Int = 0, flag: UInt8 = 0) {
        self.variables = variables
        self.copyIndex = copyIndex
        self.flag = flag
    }

    public subscript(name: String) -> String? {
        get { variables.first { $0.name == name }?.value }
        set {
            variables.removeAll { $0.name == name }
            if let newValue { variables.append((name, newValue)) }
            variables.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        }
    }

    // MARK: Reading

    /// The current environment; nil when no copy is valid (U-Boot then uses its built-in one).
    public static func read(_ config: UBootEnvironmentConfig) throws(BootloaderError) -> UBootEnvironment? {
        var candidates: [UBootEnvironment] = []
        for (index, copy) in config.copies.enumerated() {
            let bytes = try readCopy(copy)
            if let environment = decode(bytes, redundant: config.isRedundant, copyIndex: index) {
                candidates.append(environment)
            }
        }
        guard candidates.count == 2 else { return candidates.first }
        return newer(candidates[0], candidates[1])
    }

    /// Which of two valid copies is current, as U-Boot decides it (`env_import_redund`).
    static func newer(_ first: UBootEnvironment, _ second: UBootEnvironment) -> UBootEnvironment {
        if first.flag == 255, second.flag == 0 { return second }
        if second.flag == 255, first.flag == 0 { return first }
        return second.flag > first.flag ? second : first
    }

    /// Decodes one copy; nil when its CRC does not match or its data is not a variable list.
    static func decode(_ bytes: [UInt8], redundant: Bool, copyIndex: Int) -> UBootEnvironment? {
        let header = redundant ? 5 : 4
        guard bytes.count > header else { return nil }
        let stored = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        let data = bytes[header...]
        guard CRC32.checksum(data) == stored else { return nil }
        var variables: [(name: String, value: String)] = []
        var start = data.startIndex
        while start < data.endIndex, data[start] != 0 {
            guard let end = data[start...].firstIndex(of: 0) else { return nil }
            let entry = data[start..<end]
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")), equals != entry.startIndex else { return nil }
            variables.append((
                String(decoding: entry[..<equals], as: UTF8.self),
                String(decoding: entry[entry.index(after: equals)...], as: UTF8.self)
            ))
            start = end + 1
        }
        return UBootEnvironment(variables: variables, copyIndex: copyIndex, flag: redundant ? bytes[4] : 0)
    }

    private static func readCopy(_ copy: UBootEnvironmentConfig.Copy) throws(BootloaderError) -> [UInt8] {
        do {
            let file = try OTAFile.reading(copy.path)
            var bytes = [UInt8](repeating: 0, count: copy.size)
            let result: Result<Int, OTAFileError> = bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(OTAFileError) in try file.read(into: buffer, at: copy.offset) }
            }
            let count = try result.get()
            try file.close()
            return Array(bytes[..<count])
        } catch {
            throw .file(error)
        }
    }

    // MARK: Writing

    /// The bytes of one copy holding `variables`, or nil when they do not fit in `size`.
    static func encode(_ variables: [(name: String, value: String)], size: Int, redundant: Bool, flag: UInt8) -> [UInt8]? {
        let header = redundant ? 5 : 4
        var data: [UInt8] = []
        for (name, value) in variables {
            data += Array(name.utf8) + [UInt8(ascii: "=")] + Array(value.utf8) + [0]
        }
        data.append(0)
        guard data.count <= size - header else { return nil }
        data += [UInt8](repeating: 0, count: size - header - data.count)
        let crc = CRC32.checksum(data)
        var bytes = [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        if redundant { bytes.append(flag) }
        return bytes + data
    }

    /// Saves `variables` as the next environment: into the copy that is not current, with the next flag, fsynced.
    /// `current` is what `read` returned; nil (no valid copy) writes every copy.
    public static func write(
        _ variables: [(name: String, value: String)], after current: UBootEnvironment?, to config: UBootEnvironmentConfig
    ) throws(BootloaderError) {
        let size = config.copies[0].size
        let targets: [Int]
        let flag: UInt8
        if let current, config.isRedundant {
            targets = [1 - current.copyIndex]
            flag = current.flag &+ 1
        } else if config.isRedundant {
            targets = [0, 1]
            flag = 1
        } else {
            targets = [0]
            flag = 0
        }
        guard let bytes = encode(variables, size: size, redundant: config.isRedundant, flag: flag) else {
            throw .malformed(path: config.copies[0].path, reason: "the variables do not fit in \(size) bytes")
        }
        for index in targets {
            let copy = config.copies[index]
            do {
                let file = try OTAFile.open(copy.path, flags: O_RDWR, mode: 0)
                try file.write(bytes, at: copy.offset)
                try file.sync()
                try file.close()
            } catch {
                throw .file(error)
            }
        }
    }
}
