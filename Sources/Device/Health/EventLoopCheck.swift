import NIOCore

/// Passes when every one of some NIO event loops runs a task handed to it (the engine's loop, the HTTP server's
/// loops). A loop blocked by a long computation or a deadlock does not answer, and the monitor's timeout fails it.
public struct EventLoopCheck: HealthCheck {
    public let name: String
    public let timeout: Duration
    public let interval: Duration
    private let loops: @Sendable () -> [any EventLoop]

    /// `loops` is asked on every run, so a group that is made later (or replaced) is still the one checked.
    public init(
        name: String, timeout: Duration = .seconds(5), interval: Duration = .seconds(1),
        loops: @escaping @Sendable () -> [any EventLoop]
    ) {
        self.name = name
        self.timeout = timeout
        self.interval = interval
        self.loops = loops
    }

    public func run() async -> HealthCheckOutcome {
        let loops = loops()
        guard !loops.isEmpty else { return .fail("no event loop") }
        var slowest = 0.0
        for (index, loop) in loops.enumerated() {
            let asked = SystemFacts.monotonicSeconds()
            do {
                let answered = try await loop.submit { SystemFacts.monotonicSeconds() }.get()
                slowest = max(slowest, answered - asked)
            } catch {
                return .fail("loop \(index) of \(loops.count) refused the task: \(error)")
            }
        }
        let milliseconds = Int((slowest * 1000).rounded())
        return .pass(loops.count == 1 ? "answered in \(milliseconds) ms" : "\(loops.count) loops, slowest answered in \(milliseconds) ms")
    }
}
