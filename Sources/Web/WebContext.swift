import Device
import Prometheus

/// What the routes need from the rest of the daemon. Grows as subsystems arrive (engine, VPN, ...).
public struct WebContext: Sendable {
    /// Subsystem states for `/api/v1/status` and `/healthz`.
    public let states: SubsystemStates
    /// The data directory, whose filesystem's free space is reported.
    public let dataDirectory: String
    /// The registry `/metrics` prints.
    public let metrics: PrometheusCollectorRegistry
    /// `SystemFacts.monotonicSeconds()` when the daemon started.
    public let startedAt: Double

    public init(states: SubsystemStates, dataDirectory: String, metrics: PrometheusCollectorRegistry, startedAt: Double) {
        self.states = states
        self.dataDirectory = dataDirectory
        self.metrics = metrics
        self.startedAt = startedAt
    }
}
