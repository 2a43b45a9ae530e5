#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Facts about the running process and the machine, read from the kernel on each call (cheap: one small file or
/// one system call each).
public enum SystemFacts {
    /// Resident memory of this process in bytes, from `/proc/self/statm`; nil where that file is missing.
    public static func residentMemoryBytes() -> Int? {
        guard let text = readSmallFile("/proc/self/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Free and total bytes of the filesystem holding `path`; nil when `statvfs` fails.
    public static func disk(at path: String) -> DiskSpace? {
        var facts = statvfs()
        guard statvfs(path, &facts) == 0 else { return nil }
        let unit = Int(facts.f_frsize)
        return DiskSpace(freeBytes: Int(facts.f_bavail) * unit, totalBytes: Int(facts.f_blocks) * unit)
    }

    /// Seconds on a clock that never jumps (CLOCK_MONOTONIC), for uptimes and timeouts.
    public static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The contents of a small file under /proc or /sys (at most 4 KiB), or nil.
    static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}

/// Space on one filesystem. `freeBytes` is what an unprivileged writer may still use.
public struct DiskSpace: Sendable, Equatable, Codable {
    public let freeBytes: Int
    public let totalBytes: Int

    enum CodingKeys: String, CodingKey {
        case freeBytes = "free_bytes"
        case totalBytes = "total_bytes"
    }
}
