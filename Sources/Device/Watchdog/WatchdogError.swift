#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A watchdog device call that failed: which device, which operation and the system's error number.
public struct WatchdogError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    /// `open`, `WDIOC_SETTIMEOUT`, `keepalive`, `magic close`, ...
    public let operation: String
    public let errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if operation == "open" && errno == EBUSY {
            return "\(path): already open by another process (a watchdog has exactly one owner): \(reason)"
        }
        return "\(path): \(operation): \(reason) (errno \(errno))"
    }
}
