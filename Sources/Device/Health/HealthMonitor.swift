import Logging
import Synchronization

/// The one place that decides whether the daemon is healthy.
///
/// Every `interval` a round starts each check that is due (its own `interval` has passed) on a task of its own and
/// publishes the report: each check's latest result, or failed when its run has hung past its `timeout`. A check
/// that answers publishes again at once. The round never waits for a check, so it ends at once and publishes a
/// `HealthHeartbeat`: the watchdog
/// feeds only on a fresh, healthy heartbeat, which a frozen task pool cannot produce and a stuck event loop turns
/// unhealthy within the check's timeout. Healthy means every check has passed on its latest run (a check that has
/// not answered yet is not passing).
///
/// `beginShutdown()` drops the checks marked as stopping with the daemon (the engine, the store), so a clean
/// shutdown is not reported as a failure while the watchdog is still fed.
public final class HealthMonitor: HealthReporting {
    /// A check, whether it goes away during shutdown, and whether the watchdog depends on it.
    public struct Entry: Sendable {
        public let check: any HealthCheck
        /// True for parts that the shutdown itself stops (engine, store, HTTP loops).
        public let stopsAtShutdown: Bool
        /// False for a check whose failure is reported but must not stop the watchdog's feeding (in safe mode, the
        /// store: resetting the board would not mend a read-only card, it would only loop).
        public let gatesWatchdog: Bool

        public init(_ check: any HealthCheck, stopsAtShutdown: Bool = true, gatesWatchdog: Bool = true) {
            self.check = check
            self.stopsAtShutdown = stopsAtShutdown
            self.gatesWatchdog = gatesWatchdog
        }
    }

    private struct CheckState {
        var outcome: HealthCheckOutcome?
        var milliseconds: Int?
        var startedAt: Double?
        var running = false
        /// Counts runs, so a late answer of a run that was declared hung is still recorded as its own.
        var run = 0
    }

    private struct State {
        var checks: [CheckState]
        var report = HealthReport.pending
        var heartbeat: HealthHeartbeat?
        var healthySince: Double?
        var shuttingDown = false
        /// Every check has answered at least once.
        var settled = false
        var loggedHealthy: Bool?
    }

    public let interval: Duration
    /// How long `currentHealth()` waits for the first answers after start-up.
    public let firstAnswerWait: Duration = .seconds(3)
    private let entries: [Entry]
    private let state: Mutex<State>
    private let logger: Logger

    public init(checks: [Entry], interval: Duration = .seconds(1), logger: Logger) {
        self.entries = checks
        self.interval = interval
        self.logger = logger
        self.state = Mutex(State(checks: Array(repeating: CheckState(), count: checks.count)))
    }

    /// Runs rounds until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            round()
            try? await Task.sleep(for: interval)
        }
    }

    /// The latest report. Right after start-up, while some check has not answered its first run, it waits for
    /// them (at most `firstAnswerWait`), so the first `/healthz` does not fail only because it came first.
    public func currentHealth() async -> HealthReport {
        let deadline = SystemFacts.monotonicSeconds() + firstAnswerWait.seconds
        while true {
            let (report, settled) = state.withLock { ($0.report, $0.settled) }
            if settled || SystemFacts.monotonicSeconds() >= deadline || Task.isCancelled { return report }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The latest heartbeat, or nil before the first round. Cheap and non-blocking: the watchdog thread calls it.
    public var heartbeat: HealthHeartbeat? {
        state.withLock { $0.heartbeat }
    }

    /// From now on, checks of parts that stop with the daemon are left out.
    public func beginShutdown() {
        state.withLock { $0.shuttingDown = true }
        publish()
    }

    /// One round: start the checks that are due, then publish. Returns the report.
    @discardableResult
    public func round() -> HealthReport {
        let now = SystemFacts.monotonicSeconds()
        let toStart = state.withLock { state -> [(index: Int, run: Int)] in
            var due: [(index: Int, run: Int)] = []
            for (index, entry) in entries.enumerated() {
                if state.shuttingDown && entry.stopsAtShutdown { continue }
                var check = state.checks[index]
                guard !check.running, check.startedAt.map({ now - $0 >= entry.check.interval.seconds }) ?? true else { continue }
                check.running = true
                check.startedAt = now
                check.run += 1
                state.checks[index] = check
                due.append((index, check.run))
            }
            return due
        }
        for (index, run) in toStart {
            let check = entries[index].check
            Task {
                let started = SystemFacts.monotonicSeconds()
                let outcome = await check.run()
                let milliseconds = Int(((SystemFacts.monotonicSeconds() - started) * 1000).rounded())
                self.state.withLock { state in
                    guard state.checks[index].run == run else { return }
                    state.checks[index].running = false
                    state.checks[index].outcome = outcome
                    state.checks[index].milliseconds = milliseconds
                }
                self.publish()
            }
        }
        return publish()
    }

    /// Builds the report from the latest results (a run hung past its timeout counts as failed), stores it with a
    /// new heartbeat, and logs a change between healthy and unhealthy.
    @discardableResult
    private func publish() -> HealthReport {
        let now = SystemFacts.monotonicSeconds()
        let (report, change) = state.withLock { state -> (HealthReport, Bool?) in
            var results: [HealthReport.Check] = []
            var gating: [Bool] = []
            var settled = true
            for (index, entry) in entries.enumerated() {
                if state.shuttingDown && entry.stopsAtShutdown { continue }
                gating.append(entry.gatesWatchdog)
                let check = state.checks[index]
                let timeout = entry.check.timeout.seconds
                if check.running, let started = check.startedAt, now - started > timeout {
                    results.append(HealthReport.Check(
                        name: entry.check.name, passed: false,
                        detail: "no answer within \(Self.format(timeout)) s (waiting \(Self.format(now - started)) s)",
                        milliseconds: nil
                    ))
                } else if let outcome = check.outcome {
                    results.append(HealthReport.Check(
                        name: entry.check.name, passed: outcome.passed, detail: outcome.detail, milliseconds: check.milliseconds
                    ))
                } else {
                    settled = false
                    results.append(HealthReport.Check(name: entry.check.name, passed: false, detail: "no answer yet", milliseconds: nil))
                }
            }
            let healthy = !results.isEmpty && results.allSatisfy(\.passed)
            if healthy { state.healthySince = state.healthySince ?? now } else { state.healthySince = nil }
            state.settled = state.settled || settled
            let report = HealthReport(
                checks: results, healthyForSeconds: now - (state.healthySince ?? now), madeAt: now, settled: state.settled
            )
            state.report = report
            let failingGates = zip(results, gating).filter { !$0.0.passed && $0.1 }.map(\.0.name)
            state.heartbeat = HealthHeartbeat(at: now, healthy: !results.isEmpty && failingGates.isEmpty, failing: failingGates)
            // Before every check has answered once, "unhealthy" only means "starting": not worth a line.
            var change: Bool?
            if state.settled, state.loggedHealthy != report.healthy {
                state.loggedHealthy = report.healthy
                change = report.healthy
            }
            return (report, change)
        }
        if let change {
            if change {
                logger.info("healthy", metadata: ["checks": "\(report.checks.map(\.name).joined(separator: ","))"])
            } else {
                let reasons = report.checks.filter { !$0.passed }.map { "\($0.name): \($0.detail ?? "failed")" }
                logger.warning("unhealthy", metadata: ["failing": "\(reasons.joined(separator: "; "))"])
            }
        }
        return report
    }

    private static func format(_ seconds: Double) -> String {
        String((seconds * 10).rounded() / 10)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
