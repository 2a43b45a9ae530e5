#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FoundationEssentials

/// The few file operations the sidecar needs, with errors as ``TranscodeError/fileSystem(path:detail:)``.
enum ScratchFiles {
    /// Creates `path` and its parents (mode 0700: segments of someone's film are nobody else's business).
    static func makeDirectory(_ path: String) throws(TranscodeError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .fileSystem(path: path, detail: "cannot create directory: \(error)")
        }
    }

    /// Removes `path` and everything under it; a missing path is fine.
    static func removeTree(_ path: String) {
        guard exists(path) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    static func remove(_ path: String) { unlink(path) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The size of a regular file, nil when it is missing.
    static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// The last modification time in seconds since the epoch, nil when missing.
    static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    /// Sets a file's access and modification time to now (thumbnail cache recency survives restarts that way).
    static func touch(_ path: String) { utimes(path, nil) }

    /// The names in a directory (no `.`/`..`), empty when it is missing.
    static func list(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// Total bytes of the regular files directly and indirectly under `path`.
    static func treeSize(_ path: String) -> Int {
        var total = 0
        for name in list(path) {
            let child = path + "/" + name
            if let size = size(child) { total += size } else { total += treeSize(child) }
        }
        return total
    }

    /// Up to `limit` bytes from the start of a file; nil when it cannot be opened.
    static func readHead(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let count = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { read(fd, $0 + filled, limit - filled) } ?? 0
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}
