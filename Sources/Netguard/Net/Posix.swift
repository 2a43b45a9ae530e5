#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The C library's socket constants in the one shape Swift sees on both Glibc (enums) and Musl (macros).
enum Posix {
    #if canImport(Glibc)
    static let datagram = Int32(SOCK_DGRAM.rawValue)
    static let stream = Int32(SOCK_STREAM.rawValue)
    static let raw = Int32(SOCK_RAW.rawValue)
    static let closeOnExec = Int32(SOCK_CLOEXEC.rawValue)
    #else
    static let datagram = SOCK_DGRAM
    static let stream = SOCK_STREAM
    static let raw = SOCK_RAW
    static let closeOnExec = SOCK_CLOEXEC
    #endif

    /// CLOCK_MONOTONIC in milliseconds, for poll deadlines.
    static func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// CLOCK_MONOTONIC in seconds: the clock every process on the machine shares (tests compare with it).
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// A failed system call: which one and the `errno` it left.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// The error `errno` describes now; call it right after the failed call.
    static func last(_ operation: String) -> SystemCallError { SystemCallError(operation, code: errno) }

    public var description: String { "\(operation): \(String(cString: strerror(code))) (errno \(code))" }
}

/// An open file descriptor, closed exactly once when the owner lets go of it.
final class FileDescriptor: Sendable {
    let raw: Int32

    init(_ raw: Int32) { self.raw = raw }

    deinit { close(raw) }
}
