/// A disk operation failed: which file, what was being done, and the system's reason.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(SystemError.message(errno))" }
}
