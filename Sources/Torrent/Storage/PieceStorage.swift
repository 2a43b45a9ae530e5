import CLinux
import Crypto
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A torrent's files on disk, read and written by piece and block with `pread`/`pwrite`.
///
/// Contract: every call blocks on disk I/O, so call it from the engine's disk thread pool, never from an event
/// loop. Files are created on first write at their full length as sparse files (so the layout never moves),
/// folders as needed; BEP 47 padding files are never written and read as zeros. At most `maxOpenFiles`
/// descriptors are kept open (least recently used closed first). Safe to call from several threads.
public final class PieceStorage: Sendable {
    public let layout: FileLayout
    public let root: String
    private let maxOpenFiles: Int
    private let openFiles: Mutex<OpenFiles>

    private struct OpenFiles: ~Copyable {
        var descriptors: [Int: Int32] = [:]
        var lastUse: [Int: UInt64] = [:]
        var clock: UInt64 = 0
    }

    /// - Parameters:
    ///   - root: the download folder; files go to `root/<relative path>`.
    public init(layout: FileLayout, root: String, maxOpenFiles: Int = 64) {
        self.layout = layout
        self.root = root
        self.maxOpenFiles = max(1, maxOpenFiles)
        self.openFiles = Mutex(OpenFiles())
    }

    deinit { closeAll() }

    public func path(ofFile index: Int) -> String { root + "/" + layout.relativePaths[index] }

    // MARK: - Blocks

    /// Writes `data` at byte `begin` of piece `piece`.
    public func write(piece: Int, begin: Int, data: ByteBuffer) throws(StorageError) {
        var position = 0
        for segment in layout.segments(at: layout.offset(piece: piece, begin: begin), length: data.readableBytes) {
            defer { position += segment.length }
            if layout.files[segment.fileIndex].isPadding { continue }
            let fd = try descriptor(for: segment.fileIndex, create: true)
            try data.withUnsafeReadableBytes { (bytes) throws(StorageError) in
                let part = UnsafeRawBufferPointer(rebasing: bytes[position..<position + segment.length])
                try writeAll(fd, part, at: segment.fileOffset, file: segment.fileIndex)
            }
        }
    }

    /// Reads `length` bytes at byte `begin` of piece `piece` into a new buffer.
    public func read(piece: Int, begin: Int, length: Int, allocator: ByteBufferAllocator = .init()) throws(StorageError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: length)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { (bytes) throws(StorageError) -> Int in
            try read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<length]), at: layout.offset(piece: piece, begin: begin))
            return length
        }
        return buffer
    }

    /// The SHA-1 of piece `piece` as stored now, read in chunks of `chunkSize` (the only memory it needs).
    public func hash(piece: Int, length: Int, chunkSize: Int = 256 * 1024) throws(StorageError) -> [UInt8] {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        var sha = Insecure.SHA1()
        var done = 0
        while done < length {
            let count = min(chunkSize, length - done)
            let part = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<count])
            try read(into: part, at: layout.offset(piece: piece, begin: done))
            sha.update(bufferPointer: UnsafeRawBufferPointer(part))
            done += count
        }
        return Array(sha.finalize())
    }

    /// Whether any byte of the piece is backed by data on disk (SEEK_DATA): a piece entirely in holes or in
    /// missing files need not be hashed to know it is absent.
    public func hasData(piece: Int, length: Int) -> Bool {
        for segment in layout.segments(at: layout.offset(piece: piece, begin: 0), length: length) {
            if layout.files[segment.fileIndex].isPadding { continue }
            guard let fd = try? descriptor(for: segment.fileIndex, create: false) else { continue }
            let next = lseek(fd, off_t(segment.fileOffset), seekData)
            if next >= 0, Int64(next) < segment.fileOffset + Int64(segment.length) { return true }
            if next < 0, errno != ENXIO { return true }  // SEEK_DATA unsupported: assume data
        }
        return false
    }

    /// Frees the disk blocks under piece `piece` (`fallocate` punching a hole; sizes stay), so the stream cache
    /// can give space back. The bytes read as zeros afterwards; neighbouring pieces are untouched (the file system
    /// zeroes partial blocks inside the range and frees whole ones). Files that do not exist are skipped.
    public func discard(piece: Int, length: Int) throws(StorageError) {
        for segment in layout.segments(at: layout.offset(piece: piece, begin: 0), length: length) {
            if layout.files[segment.fileIndex].isPadding { continue }
            let fd: Int32
            do {
                fd = try descriptor(for: segment.fileIndex, create: false)
            } catch where error.errno == ENOENT {
                continue
            }
            guard rill_punch_hole(fd, segment.fileOffset, Int64(segment.length)) == 0 else {
                throw StorageError(path: path(ofFile: segment.fileIndex), operation: "punch a hole in", errno: errno)
            }
        }
    }

    // MARK: - Files

    /// Size and modification time (nanoseconds) of each file, `nil` where it does not exist: what resume data
    /// is checked against.
    public func fileStates() -> [FileState?] {
        (0..<layout.files.count).map { index in
            var info = stat()
            guard stat(path(ofFile: index), &info) == 0 else { return nil }
            return FileState(size: Int64(info.st_size), modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
    }

    /// Creates the torrent's zero-length files (no piece ever writes to them) and their folders.
    public func createEmptyFiles() throws(StorageError) {
        for (index, file) in layout.files.enumerated() where file.length == 0 && !file.isPadding {
            let path = path(ofFile: index)
            makeFolders(for: path)
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StorageError(path: path, operation: "create", errno: errno) }
            _ = close(fd)
        }
    }

    /// Flushes written data of every open file to the disk.
    public func sync() {
        openFiles.withLock { state in
            for fd in state.descriptors.values { _ = fdatasync(fd) }
        }
    }

    public func closeAll() {
        openFiles.withLock { state in
            for fd in state.descriptors.values { _ = close(fd) }
            state.descriptors.removeAll()
            state.lastUse.removeAll()
        }
    }

    /// Removes every file of the torrent and then the folders that became empty.
    public func deleteFiles() {
        closeAll()
        for index in layout.files.indices { _ = unlink(path(ofFile: index)) }
        var folders = Set<String>()
        for relative in layout.relativePaths {
            var parts = relative.split(separator: "/").dropLast()
            while !parts.isEmpty {
                folders.insert(root + "/" + parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        for folder in folders.sorted(by: { $0.count > $1.count }) { _ = rmdir(folder) }
    }

    // MARK: - Internals

    private func read(into target: UnsafeMutableRawBufferPointer, at offset: Int64) throws(StorageError) {
        var position = 0
        for segment in layout.segments(at: offset, length: target.count) {
            defer { position += segment.length }
            let part = UnsafeMutableRawBufferPointer(rebasing: target[position..<position + segment.length])
            if layout.files[segment.fileIndex].isPadding {
                part.initializeMemory(as: UInt8.self, repeating: 0)
                continue
            }
            let fd: Int32
            do {
                fd = try descriptor(for: segment.fileIndex, create: false)
            } catch where error.errno == ENOENT {
                part.initializeMemory(as: UInt8.self, repeating: 0)
                continue
            }
            var done = 0
            while done < part.count {
                let count = pread(fd, part.baseAddress! + done, part.count - done, off_t(segment.fileOffset) + off_t(done))
                if count < 0, errno == EINTR { continue }
                guard count >= 0 else { throw StorageError(path: path(ofFile: segment.fileIndex), operation: "read", errno: errno) }
                if count == 0 {  // past the end of a short file: zeros
                    UnsafeMutableRawBufferPointer(rebasing: part[done...]).initializeMemory(as: UInt8.self, repeating: 0)
                    break
                }
                done += count
            }
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, file: Int) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let count = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw StorageError(path: path(ofFile: file), operation: "write", errno: errno) }
            done += count
        }
    }

    private func descriptor(for index: Int, create: Bool) throws(StorageError) -> Int32 {
        let result: Result<Int32, StorageError> = openFiles.withLock { state in
            state.clock += 1
            if let fd = state.descriptors[index] {
                state.lastUse[index] = state.clock
                return .success(fd)
            }
            let path = path(ofFile: index)
            var fd = open(path, O_RDWR | O_CLOEXEC)
            if fd < 0, errno == ENOENT, create {
                makeFolders(for: path)
                fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                if fd >= 0, ftruncate(fd, off_t(layout.files[index].length)) != 0 {
                    let code = errno
                    _ = close(fd)
                    return .failure(StorageError(path: path, operation: "size", errno: code))
                }
            } else if fd < 0, errno == EACCES || errno == EROFS {
                fd = open(path, O_RDONLY | O_CLOEXEC)  // seeding from a read-only file
            }
            guard fd >= 0 else { return .failure(StorageError(path: path, operation: "open", errno: errno)) }
            if state.descriptors.count >= maxOpenFiles,
               let oldest = state.lastUse.min(by: { $0.value < $1.value })?.key,
               let old = state.descriptors.removeValue(forKey: oldest) {
                state.lastUse[oldest] = nil
                _ = close(old)
            }
            state.descriptors[index] = fd
            state.lastUse[index] = state.clock
            return .success(fd)
        }
        return try result.get()
    }

    private func makeFolders(for path: String) {
        var current = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/").dropLast() {
            current += (current.isEmpty || current == "/" ? "" : "/") + part
            _ = mkdir(current, 0o755)
        }
    }
}

/// Linux's `SEEK_DATA` (not exported by the C module): the next offset holding data, or ENXIO.
private let seekData: Int32 = 3

/// Size and modification time of a file, as resume data records them.
public struct FileState: Sendable, Equatable, Codable {
    public let size: Int64
    public let modified: Int64

    public init(size: Int64, modified: Int64) {
        self.size = size
        self.modified = modified
    }
}
