/// What the health monitor last concluded about the daemon: healthy only when every check has passed on its latest
/// run. The watchdog feeds only while this holds; OTA marks a new slot good once it has held for a while.
public struct HealthReport: Sendable, Equatable, Encodable {
    /// One check's latest result.
    public struct Check: Sendable, Equatable, Encodable {
        /// `event-loops`, `engine`, `store`, ...
        public let name: String
        /// False also while the check has not answered yet, or is overdue.
        public let passed: Bool
        /// What was measured, or why it failed.
        public let detail: String?
        /// How long the latest run took to answer, in milliseconds; nil while none has answered.
        public let milliseconds: Int?

        public init(name: String, passed: Bool, detail: String?, milliseconds: Int?) {
            self.name = name
            self.passed = passed
            self.detail = detail
            self.milliseconds = milliseconds
        }
    }

    /// Every check passed on its latest run.
    public let healthy: Bool
    /// Each check, in the order the monitor was given them.
    public let checks: [Check]
    /// Seconds the daemon has been healthy without a break when this report was made; 0 when it is not healthy.
    public let healthyForSeconds: Double
    /// `SystemFacts.monotonicSeconds()` when this report was made; 0 for the report before the first round.
    public let madeAt: Double
    /// Every check has answered at least once since start-up: before that, "not healthy" means "starting".
    public let settled: Bool

    public init(checks: [Check], healthyForSeconds: Double, madeAt: Double, settled: Bool) {
        self.healthy = !checks.isEmpty && checks.allSatisfy(\.passed)
        self.checks = checks
        self.healthyForSeconds = healthy ? healthyForSeconds : 0
        self.madeAt = madeAt
        self.settled = settled
    }

    /// The names of the checks that did not pass.
    public var failing: [String] { checks.filter { !$0.passed }.map(\.name) }

    /// The report before any check has run.
    public static let pending = HealthReport(checks: [], healthyForSeconds: 0, madeAt: 0, settled: false)

    enum CodingKeys: String, CodingKey {
        case healthy, failing, checks
        case healthyForSeconds = "healthy_for_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(healthy, forKey: .healthy)
        try container.encode(failing, forKey: .failing)
        try container.encode(checks, forKey: .checks)
        try container.encode((healthyForSeconds * 10).rounded() / 10, forKey: .healthyForSeconds)
    }
}

/// Something that can say whether the daemon is healthy. The daemon's `HealthMonitor` is one; OTA's "mark the slot
/// good after the health checks have passed for a while" asks it (`healthyForSeconds`), the status API shows it.
public protocol HealthReporting: Sendable {
    /// The latest report; cheap (no check runs because of this call).
    func currentHealth() async -> HealthReport
}

/// Proof of life from the health monitor, for the watchdog's feeding thread: when the latest round ended and
/// whether the checks the watchdog depends on passed. A heartbeat that stops coming (a frozen event loop or task pool
/// stops the monitor) is as bad as an unhealthy one.
public struct HealthHeartbeat: Sendable, Equatable {
    /// `SystemFacts.monotonicSeconds()` at the end of the round.
    public let at: Double
    public let healthy: Bool
    /// The failing checks' names, for the log.
    public let failing: [String]

    public init(at: Double, healthy: Bool, failing: [String]) {
        self.at = at
        self.healthy = healthy
        self.failing = failing
    }
}
