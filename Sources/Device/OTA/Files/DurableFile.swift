#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small whole-file writes that survive a power cut at any instant: write `<path>.tmp`, fsync it, rename it over
/// `path`, fsync the folder. A reader sees the old file or the new one, never a torn one; a stale `.tmp` left by a
/// cut is never read and is overwritten by the next write.
enum DurableFile {
    /// Writes `bytes` to `path` durably. `powerCut` is asked after each step (tests only).
    static func write(
        _ bytes: [UInt8], to path: String, mode: mode_t = 0o644, powerCut: PowerCut = .never
    ) throws(OTAFileError) {
        let temporary = path + ".tmp"
        try powerCut.point("begin", path: path)
        let file = try OTAFile.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        try powerCut.point("create", path: temporary)
        let half = bytes.count / 2
        try file.write(Array(bytes[..<half]))
        try powerCut.point("write-half", path: temporary)
        try file.write(Array(bytes[half...]))
        try powerCut.point("write", path: temporary)
        try file.sync()
        try powerCut.point("fsync", path: temporary)
        try file.close()
        guard rename(temporary, path) == 0 else { throw OTAFileError(path: path, operation: "rename", errno: errno) }
        try powerCut.point("rename", path: path)
        try syncFolder(of: path)
        try powerCut.point("fsync-dir", path: path)
    }

    /// The bytes of `path`; nil when it does not exist. Files longer than `limit` are an error (`EFBIG`).
    static func read(_ path: String, limit: Int) throws(OTAFileError) -> [UInt8]? {
        let file: OTAFile
        do {
            file = try OTAFile.reading(path)
        } catch {
            if error.errno == ENOENT { return nil }
            throw error
        }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        let result: Result<Int, OTAFileError> = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(OTAFileError) in try file.readFully(into: buffer) }
        }
        let count = try result.get()
        guard count <= limit else { throw OTAFileError(path: path, operation: "read (larger than \(limit) bytes)", errno: EFBIG) }
        return Array(bytes[..<count])
    }

    /// Fsyncs the folder holding `path`, so a rename or a new file in it is on the medium.
    static func syncFolder(of path: String) throws(OTAFileError) {
        let folder = parentFolder(of: path)
        let directory = try OTAFile.open(folder, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        try directory.sync()
        try directory.close()
    }

    /// The folder part of `path` (`.` for a bare name, `/` for a file in the root).
    static func parentFolder(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }
}
