import Logging
import Synchronization

/// Collects log lines so tests can check that a problem was reported.
public final class LogCapture: Sendable {
    public init() {}

    private let storage = Mutex<[String]>([])

    public var lines: [String] { storage.withLock { $0 } }

    public var logger: Logger {
        Logger(label: "capture") { _ in CaptureHandler(capture: self) }
    }

    fileprivate func append(_ line: String) { storage.withLock { $0.append(line) } }
}

private struct CaptureHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(fields)")
    }
}
