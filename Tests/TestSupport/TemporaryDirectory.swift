#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A directory under /tmp, removed with its contents when released.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        var template = Array("/tmp/rill-store-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) != nil else {
            throw FileError.failed("mkdtemp")
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        Self.remove(path)
    }

    /// Removes `folder` and everything in it (folders too; symbolic links are removed, not followed).
    static func remove(_ folder: String) {
        if let directory = opendir(folder) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != "." && name != ".." else { continue }
                if unlink(folder + "/" + name) != 0 && (errno == EISDIR || errno == EPERM) { remove(folder + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(folder)
    }

    public func write(_ name: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw FileError.failed("open") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { writeBytes(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FileError.failed("write") }
    }

    public func read(_ fullPath: String) throws -> [UInt8] {
        let descriptor = open(fullPath, O_RDONLY)
        guard descriptor >= 0 else { throw FileError.failed("open \(fullPath)") }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }
}

public enum FileError: Error { case failed(String) }

private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(descriptor, buffer, count) }
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(descriptor, buffer, count) }
