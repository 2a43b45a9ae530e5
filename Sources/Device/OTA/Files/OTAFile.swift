#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Musl)
import Musl
private let systemRead = Musl.read
private let systemWrite = Musl.write
private let systemClose = Musl.close
#endif

/// One open file of the OTA code (an image, a slot target, a bundle): whole writes, retried on EINTR, typed errors
/// naming the path. Closed when released if not closed before.
final class OTAFile {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Opens `path` for reading.
    static func reading(_ path: String) throws(OTAFileError) -> OTAFile {
        try open(path, flags: O_RDONLY, mode: 0)
    }

    /// Opens `path` with `flags` (O_CLOEXEC is added).
    static func open(_ path: String, flags: Int32, mode: mode_t) throws(OTAFileError) -> OTAFile {
        let descriptor = path.withCString { systemOpen($0, flags | O_CLOEXEC, mode) }
        guard descriptor >= 0 else { throw OTAFileError(path: path, operation: "open", errno: errno) }
        return OTAFile(path: path, descriptor: descriptor)
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(OTAFileError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let count = systemWrite(descriptor, base + done, bytes.count - done)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw OTAFileError(path: path, operation: "write", errno: count < 0 ? errno : EIO) }
            done += count
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(OTAFileError) {
        let result: Result<Void, OTAFileError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(OTAFileError) in try write(buffer) }
        }
        try result.get()
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(OTAFileError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        while true {
            let count = systemRead(descriptor, base, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw OTAFileError(path: path, operation: "read", errno: errno) }
            return count
        }
    }

    /// Reads until `buffer` is full or the file ends; the number of bytes read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(OTAFileError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// Reads until `buffer` is full or the file ends, starting at `offset`; the number of bytes read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(OTAFileError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw OTAFileError(path: path, operation: "read", errno: errno) }
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// Writes all of `bytes` at `offset` (in place: the file's other bytes and its size stay).
    func write(_ bytes: [UInt8], at offset: Int) throws(OTAFileError) {
        let result: Result<Void, OTAFileError> = bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return .success(()) }
            var done = 0
            while done < buffer.count {
                let count = pwrite(descriptor, base + done, buffer.count - done, off_t(offset + done))
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return .failure(OTAFileError(path: path, operation: "write", errno: count < 0 ? errno : EIO)) }
                done += count
            }
            return .success(())
        }
        try result.get()
    }

    /// The file's size in bytes (a block device's: its end).
    func size() throws(OTAFileError) -> Int {
        let end = lseek(descriptor, 0, SEEK_END)
        guard end >= 0 else { throw OTAFileError(path: path, operation: "lseek", errno: errno) }
        return Int(end)
    }

    /// Flushes the file's data and metadata to the medium.
    func sync() throws(OTAFileError) {
        guard fsync(descriptor) == 0 else { throw OTAFileError(path: path, operation: "fsync", errno: errno) }
    }

    /// Cuts a regular file to `size` bytes (a slot target that is a file and held a longer image before).
    func truncate(to size: Int) throws(OTAFileError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else {
            throw OTAFileError(path: path, operation: "ftruncate", errno: errno)
        }
    }

    /// True when this is a regular file (not a block device).
    var isRegularFile: Bool {
        var facts = stat()
        return fstat(descriptor, &facts) == 0 && (facts.st_mode & S_IFMT) == S_IFREG
    }

    /// Asks the kernel to drop this file's cached pages, so the next read comes from the medium.
    func dropCachedPages() {
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
    }

    /// Closes the file, reporting the error a deferred write may only show here.
    func close() throws(OTAFileError) {
        guard descriptor >= 0 else { return }
        let result = systemClose(descriptor)
        descriptor = -1
        guard result == 0 else { throw OTAFileError(path: path, operation: "close", errno: errno) }
    }
}

/// `open(2)` under a name that does not clash with `OTAFile.open`.
private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, flags, mode)
    #else
    Musl.open(path, flags, mode)
    #endif
}
