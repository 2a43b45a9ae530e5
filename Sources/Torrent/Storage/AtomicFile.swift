#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Musl)
import Musl
private let systemRead = Musl.read
private let systemWrite = Musl.write
#endif

/// Whole-file writes that survive a crash or power cut at any instant: write a temporary file, fsync it,
/// rename it over the old one, fsync the folder. Readers see the old or the new file, never a torn one.
public enum AtomicFile {
    /// Writes `bytes` to `path` with permission `mode` (also when a stale temporary file had another one).
    /// (`UInt32`, not `mode_t`: a C type in the public interface moves header ownership in importing targets.)
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(StorageError) {
        let temporary = path + ".tmp"
        let mode = mode_t(mode)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StorageError(path: temporary, operation: "create", errno: errno) }
        guard fchmod(fd, mode) == 0 else {
            let code = errno
            _ = close(fd)
            throw StorageError(path: temporary, operation: "chmod", errno: code)
        }
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + done, bytes.count - done) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                _ = close(fd)
                throw StorageError(path: temporary, operation: "write", errno: code)
            }
            done += count
        }
        guard fsync(fd) == 0 else {
            let code = errno
            _ = close(fd)
            throw StorageError(path: temporary, operation: "fsync", errno: code)
        }
        _ = close(fd)
        guard rename(temporary, path) == 0 else { throw StorageError(path: path, operation: "rename", errno: errno) }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let dirfd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            _ = close(dirfd)
        }
    }

    /// The file's bytes, or `nil` when it is missing, unreadable or larger than `limit`.
    public static func read(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return out }
            out += chunk[0..<count]
            if out.count > limit { return nil }
        }
    }

    /// Creates `path` and its parents (mode 0755); existing folders are fine.
    public static func makeFolders(_ path: String) {
        var current = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            current += (current.isEmpty || current == "/" ? "" : "/") + part
            _ = mkdir(current, 0o755)
        }
    }
}

extension AtomicFile {
    /// Removes a file if it is there.
    static func remove(_ path: String) {
        _ = unlink(path)
    }
}
