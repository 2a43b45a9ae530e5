import Logging
import NIOCore
import NIOPosix
import Store
import Synchronization
import TestSupport
import Testing

@testable import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The health monitor against real NIO event loops and a real SQLite store: healthy when all answer, unhealthy
/// (naming the check) when a loop is blocked or the store is closed, and healthy again afterwards.
@Suite(.serialized) struct HealthMonitorTests {
    static let logger = Logger(label: "health-test")

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
        let deadline = SystemFacts.monotonicSeconds() + seconds
        while SystemFacts.monotonicSeconds() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    @Test("every check answering is healthy; a blocked loop fails its check by name within the timeout, once unblocked it is healthy again")
    func blockedLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let engine = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer {
            Task {
                try? await group.shutdownGracefully()
                try? await engine.shutdownGracefully()
            }
        }
        let loops = Array(group.makeIterator())
        let engineLoop = engine.next()
        let monitor = HealthMonitor(checks: [
            .init(EventLoopCheck(name: "event-loops", timeout: .seconds(1), interval: .milliseconds(100)) { loops }),
            .init(EventLoopCheck(name: "engine", timeout: .seconds(1), interval: .milliseconds(100)) { [engineLoop] }),
        ], interval: .milliseconds(100), logger: Self.logger)
        let rounds = Task { await monitor.run() }
        defer { rounds.cancel() }

        #expect(await Self.eventually { await monitor.currentHealth().healthy })
        let first = await monitor.currentHealth()
        #expect(first.checks.map(\.name) == ["event-loops", "engine"])
        #expect(first.checks[0].detail?.hasPrefix("2 loops, slowest answered in") == true)
        #expect(await Self.eventually { await monitor.currentHealth().healthyForSeconds >= 0.3 })

        // Block the engine's only thread for 3 s: its check hangs past the 1 s timeout.
        engineLoop.execute { usleep(3_000_000) }
        let blockedAt = SystemFacts.monotonicSeconds()
        #expect(await Self.eventually(5) { await monitor.currentHealth().failing == ["engine"] })
        let failedAfter = SystemFacts.monotonicSeconds() - blockedAt
        #expect(failedAfter < 2.5, "reported after \(failedAfter) s")
        let report = await monitor.currentHealth()
        #expect(!report.healthy)
        #expect(report.healthyForSeconds == 0)
        #expect(report.checks[1].detail?.hasPrefix("no answer within 1.0 s") == true, "\(report.checks[1])")
        #expect(monitor.heartbeat?.healthy == false)
        #expect(monitor.heartbeat?.failing == ["engine"])

        // The loop comes back: the hung probe answers and the next ones pass.
        #expect(await Self.eventually(6) { await monitor.currentHealth().healthy })
        #expect(SystemFacts.monotonicSeconds() - blockedAt >= 2.9)
    }

    @Test("the store check writes and commits through the real store, at most once per interval, and fails once the store is closed")
    func store() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Self.logger)
        let monitor = HealthMonitor(checks: [
            .init(StoreWriteCheck(store: store, timeout: .seconds(2), interval: .seconds(1))),
        ], interval: .milliseconds(50), logger: Self.logger)
        let rounds = Task { await monitor.run() }
        defer { rounds.cancel() }

        #expect(await Self.eventually { await monitor.currentHealth().healthy })
        let firstStamp = try await store.read { try MetaTable.value("health.probe", in: $0) }
        #expect(firstStamp != nil)
        // Rounds every 50 ms, but the write only every second.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await store.read { try MetaTable.value("health.probe", in: $0) } == firstStamp)
        #expect(await Self.eventually(3) { (try? await store.read { try MetaTable.value("health.probe", in: $0) }) != firstStamp })

        await store.close()
        #expect(await Self.eventually(3) { await monitor.currentHealth().failing == ["store"] })
        let detail = await monitor.currentHealth().checks[0].detail ?? ""
        #expect(detail.hasPrefix("cannot write"), "\(detail)")
    }

    @Test("the heartbeat stops when the rounds stop, and shutdown leaves out the checks of parts that stop with the daemon")
    func heartbeatAndShutdown() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Self.logger)
        let states = SubsystemStates()
        let monitor = HealthMonitor(checks: [
            .init(StoreWriteCheck(store: store, interval: .milliseconds(100))),
            .init(SubsystemCheck(states: states), stopsAtShutdown: false),
        ], interval: .milliseconds(100), logger: Self.logger)
        #expect(monitor.heartbeat == nil)
        let rounds = Task { await monitor.run() }
        #expect(await Self.eventually { await monitor.currentHealth().healthy })

        states.set("http", SubsystemState(.failed, detail: "test"))
        #expect(await Self.eventually(3) { await monitor.currentHealth().failing == ["subsystems"] })
        states.set("http", SubsystemState(.running))
        #expect(await Self.eventually(3) { await monitor.currentHealth().healthy })

        monitor.beginShutdown()
        await store.close()
        try await Task.sleep(for: .milliseconds(400))
        let during = await monitor.currentHealth()
        #expect(during.healthy, "\(during)")
        #expect(during.checks.map(\.name) == ["subsystems"])

        rounds.cancel()
        await rounds.value
        let last = try #require(monitor.heartbeat)
        try await Task.sleep(for: .milliseconds(400))
        #expect(monitor.heartbeat == last, "no round, no new heartbeat")
        #expect(SystemFacts.monotonicSeconds() - last.at >= 0.4)
    }

    @Test("a failing check that does not gate the watchdog makes the report unhealthy but leaves the heartbeat healthy")
    func nonGatingCheck() async throws {
        let states = SubsystemStates()
        states.set("store", SubsystemState(.failed, detail: "read-only"))
        let monitor = HealthMonitor(checks: [
            .init(SubsystemCheck(states: states), gatesWatchdog: false),
            .init(SubsystemCheck(states: SubsystemStates())),
        ], interval: .milliseconds(50), logger: Self.logger)
        let rounds = Task { await monitor.run() }
        defer { rounds.cancel() }
        #expect(await Self.eventually { await monitor.currentHealth().settled })
        let report = await monitor.currentHealth()
        #expect(!report.healthy)
        #expect(report.failing == ["subsystems"])
        #expect(monitor.heartbeat?.healthy == true)
        #expect(monitor.heartbeat?.failing == [])
    }

    @Test("a check that has never answered is not passing, and a hung check holds one run, not a pile")
    func hungCheck() async throws {
        let check = HangingCheck()
        let monitor = HealthMonitor(checks: [.init(check)], interval: .milliseconds(20), logger: Self.logger)
        let report = monitor.round()
        #expect(!report.healthy)
        #expect(!report.settled)
        #expect(report.checks.first?.detail == "no answer yet")
        let rounds = Task { await monitor.run() }
        defer { rounds.cancel() }
        try await Task.sleep(for: .milliseconds(500))
        #expect(await monitor.currentHealth().checks.first?.detail?.hasPrefix("no answer within 0.2 s") == true)
        #expect(check.starts.withLock { $0 } == 1)
        check.release()
        #expect(await Self.eventually(3) { await monitor.currentHealth().healthy })
    }
}

/// A check whose first run waits until `release()`; later runs pass at once.
final class HangingCheck: HealthCheck {
    let name = "hanging"
    let timeout: Duration = .milliseconds(200)
    let interval: Duration = .milliseconds(10)
    let starts = Mutex(0)
    private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let released = Mutex(false)

    func run() async -> HealthCheckOutcome {
        let first = starts.withLock { count -> Bool in
            count += 1
            return count == 1
        }
        if first {
            await withCheckedContinuation { continuation in
                let resumeNow = released.withLock { released in
                    if !released { gate.withLock { $0 = continuation } }
                    return released
                }
                if resumeNow { continuation.resume() }
            }
        }
        return .pass(nil)
    }

    func release() {
        released.withLock { $0 = true }
        gate.withLock { $0?.resume(); $0 = nil }
    }
}
