#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file in /tmp holding `contents`, removed when the value is released.
public final class TemporaryFile {
    public let path: String

    public init(contents: String) throws {
        var template = Array("/tmp/rill-config-XXXXXX.toml".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemps($0, 5) } ?? -1 }
        guard descriptor >= 0 else { throw TemporaryFileError.cannotCreate }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else { throw TemporaryFileError.cannotCreate }
    }

    deinit { unlink(path) }
}

public enum TemporaryFileError: Error { case cannotCreate }
