/// One thing the health monitor checks. The monitor runs it on its own schedule (`interval`), at most one run at a
/// time; a run that has not answered within `timeout` counts as failed, and no second run starts while it hangs
/// (so a stuck event loop or disk holds one probe, never a growing pile).
public protocol HealthCheck: Sendable {
    /// Short and stable: it appears in `/api/v1/status`, `/healthz` and the log (`event-loops`, `engine`, `store`).
    var name: String { get }
    /// Past this a run counts as failed ("no answer within ...").
    var timeout: Duration { get }
    /// The least time between the starts of two runs; the latest result stands in between.
    var interval: Duration { get }
    /// Runs the check once.
    func run() async -> HealthCheckOutcome
}

/// What one run of a check found.
public enum HealthCheckOutcome: Sendable, Equatable {
    /// Fine; the text says what was measured (may be nil).
    case pass(String?)
    /// Not fine; the text says why, for a person reading the status page.
    case fail(String)

    public var passed: Bool {
        if case .pass = self { return true }
        return false
    }

    public var detail: String? {
        switch self {
        case .pass(let text): text
        case .fail(let text): text
        }
    }
}
