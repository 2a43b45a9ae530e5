import Logging
import Synchronization

/// The newest lines of the daemon's log, in memory, for the system page: at most `maxLines` lines and
/// `maxBytes` bytes (a line longer than 2 KiB is cut). Thread-safe; appending is O(1) amortised.
public final class LogRing: Sendable {
    public let maxLines: Int
    public let maxBytes: Int
    private let state = Mutex<(lines: [String], start: Int, bytes: Int)>(([], 0, 0))

    public init(maxLines: Int = 500, maxBytes: Int = 128 << 10) {
        self.maxLines = max(1, maxLines)
        self.maxBytes = max(256, maxBytes)
    }

    public func append(_ line: String) {
        let line = line.utf8.count > 2048 ? String(line.prefix(2000)) + " …" : line
        state.withLock { state in
            state.lines.append(line)
            state.bytes += line.utf8.count
            while state.lines.count - state.start > maxLines || (state.bytes > maxBytes && state.lines.count - state.start > 1) {
                state.bytes -= state.lines[state.start].utf8.count
                state.start += 1
            }
            // Compact now and then so the array does not keep dropped lines.
            if state.start > maxLines {
                state.lines.removeFirst(state.start)
                state.start = 0
            }
        }
    }

    /// The lines kept, oldest first.
    public var lines: [String] {
        state.withLock { Array($0.lines[$0.start...]) }
    }

    public var byteCount: Int { state.withLock { $0.bytes } }
}

/// A swift-log handler that copies every record at or above its level into a ``LogRing``, one line each:
/// `2026-05-01T10:00:00Z info rill: message key=value`.
public struct RingLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let ring: LogRing
    private let label: String

    public init(label: String, ring: LogRing, level: Logger.Level) {
        self.label = label
        self.ring = ring
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        ring.append("\(Timestamp.now()) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// UTC time stamps without Foundation.
enum Timestamp {
    static func now() -> String {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
