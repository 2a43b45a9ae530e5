#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file operation of the OTA code failed: which file, what was being done, and the system's reason.
public struct OTAFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    /// `open`, `write`, `fsync`, `rename`, ... (or `power cut after <step>` when a test cut the power).
    public let operation: String
    /// The system's error number, 0 when there is none (a short read, a simulated power cut).
    public let errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        guard errno != 0 else { return "\(operation) \(path)" }
        let reason = strerror(errno).map { String(cString: $0) } ?? "error"
        return "\(operation) \(path): \(reason) (errno \(errno))"
    }
}
