/// Passes unless a subsystem has reported itself `failed` in `SubsystemStates` (what `/healthz` has always
/// looked at). `degraded` passes: the daemon works, with less.
public struct SubsystemCheck: HealthCheck {
    public let name = "subsystems"
    public let timeout: Duration = .seconds(5)
    public let interval: Duration = .seconds(1)
    private let states: SubsystemStates

    public init(states: SubsystemStates) {
        self.states = states
    }

    public func run() async -> HealthCheckOutcome {
        let failed = states.snapshot.filter { $0.value.phase == .failed }.keys.sorted()
        return failed.isEmpty ? .pass(nil) : .fail("failed: \(failed.joined(separator: ", "))")
    }
}
