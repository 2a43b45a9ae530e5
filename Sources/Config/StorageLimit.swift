/// A size limit on a disk: a byte count, or a share of the file system that holds the data.
public enum StorageLimit: Sendable, Equatable, CustomStringConvertible {
    case bytes(Int)
    /// 1…100 percent of the file system's size.
    case percent(Int)

    /// `"80%"`, `"20GiB"`, `"500MB"` or a plain number of bytes; nil for anything else.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: " ")
        if trimmed.hasSuffix("%") {
            guard let value = Int(trimmed.dropLast().trimmingCharacters(in: " ")), (1...100).contains(value) else { return nil }
            self = .percent(value)
        } else if let bytes = ByteSize.parse(trimmed) {
            self = .bytes(bytes)
        } else {
            return nil
        }
    }

    /// The limit in bytes on a file system of `capacity` bytes.
    public func bytes(ofCapacity capacity: Int64) -> Int64 {
        switch self {
        case .bytes(let count): Int64(count)
        case .percent(let share): capacity / 100 * Int64(share)
        }
    }

    public var description: String {
        switch self {
        case .bytes(let count): ByteSize.format(count)
        case .percent(let share): "\(share)%"
        }
    }
}
