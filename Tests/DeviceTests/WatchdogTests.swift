import Logging
import NIOCore
import NIOPosix
import TestSupport
import WatchdogFake
import Testing

@testable import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `WatchdogDevice` and `WatchdogFeeder` against `FakeWatchdog`: a FUSE file that keeps the kernel watchdog core's
/// rules (this kernel has neither softdog nor CUSE), reached through real open/ioctl/write/close calls. The real
/// reset is proven by the image's QEMU test (i6300esb).
@Suite(.serialized, .enabled(if: FakeWatchdog.unavailableReason == nil, "\(FakeWatchdog.unavailableReason ?? "")"))
struct WatchdogTests {
    static let logger = Logger(label: "watchdog-test")

    /// A mounted fake in a fresh directory, unmounted by `body`'s end.
    static func withFake<T>(_ body: (FakeWatchdog) async throws -> T) async throws -> T {
        let directory = try TemporaryDirectory()
        let fake = try FakeWatchdog(mountPoint: directory.path)
        defer { fake.stop() }
        return try await body(fake)
    }

    @Test("the device: timeout set and read back, keepalive, one owner at a time, magic close stops the timer")
    func deviceProtocol() async throws {
        try await Self.withFake { fake in
            let device = try WatchdogDevice(path: fake.path)
            #expect(try device.setTimeout(seconds: 15) == 15)
            #expect(try device.timeout() == 15)
            #expect(throws: WatchdogError.self) { try device.setTimeout(seconds: 16) }
            #expect(try device.timeout() == 15)
            try device.keepAlive()

            do {
                _ = try WatchdogDevice(path: fake.path)
                Issue.record("a second open succeeded")
            } catch let error as WatchdogError {
                #expect(error.errno == EBUSY)
                #expect(error.description.contains("already open by another process"))
            }

            try device.closeDisarmed()
            try device.closeDisarmed()  // idempotent
            let state = fake.stateAfterClose()
            #expect(!state.running)
            #expect(state.events.map(\.kind) == [.open, .setTimeout, .keepalive, .refusedOpen, .magicWrite, .close])
            #expect(state.expiries.isEmpty)
            #expect(throws: WatchdogError.self) { try device.keepAlive() }
        }
    }

    @Test("a close without the magic character leaves the timer running: it runs out one timeout after the last feed")
    func armedClose() async throws {
        try await Self.withFake { fake in
            let device = try WatchdogDevice(path: fake.path)
            try device.setTimeout(seconds: 1)
            try device.keepAlive()
            let lastFeed = SystemFacts.monotonicSeconds()
            device.closeArmed()
            try await Task.sleep(for: .milliseconds(1300))
            let state = fake.state
            #expect(state.running)
            let expiry = try #require(state.expiries.first)
            #expect(abs(expiry - (lastFeed + 1)) < 0.2)
            #expect(throws: WatchdogError.self) { try WatchdogDevice(path: "/nonexistent/watchdog") }
        }
    }

    @Test("the feeder feeds while the monitor is healthy, stops when an event loop blocks (the timer runs out), resumes after, disarms on stop")
    func feederFollowsHealth() async throws {
        try await Self.withFake { fake in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            defer { Task { try? await group.shutdownGracefully() } }
            let loop = group.next()
            let monitor = HealthMonitor(checks: [
                .init(EventLoopCheck(name: "engine", timeout: .milliseconds(500), interval: .milliseconds(100)) { [loop] }),
            ], interval: .milliseconds(100), logger: Self.logger)
            let rounds = Task { await monitor.run() }
            defer { rounds.cancel() }
            #expect(await HealthMonitorTests.eventually { await monitor.currentHealth().healthy })

            let device = try WatchdogDevice(path: fake.path)
            #expect(try device.setTimeout(seconds: 2) == 2)
            let feeder = try WatchdogFeeder(
                device: device, settings: .init(feedInterval: .milliseconds(200), staleAfter: .seconds(1)), logger: Self.logger
            ) { monitor.heartbeat }
            try feeder.start()
            try await Task.sleep(for: .seconds(1))
            let fed = fake.state.feeds.count
            #expect(fed >= 3, "\(fed) feeds in 1 s")
            #expect(fake.state.expiries.isEmpty)

            // Block the loop for 4 s: the check hangs, the monitor turns unhealthy, feeding stops, the 2 s timer
            // runs out.
            loop.execute { usleep(4_000_000) }
            let blockedAt = SystemFacts.monotonicSeconds()
            try await Task.sleep(for: .milliseconds(3600))
            let during = fake.state
            let expiry = try #require(during.expiries.first, "the timer did not run out; feeds: \(during.feeds.suffix(5))")
            let lastFeed = try #require(during.feeds.last)
            #expect(lastFeed - blockedAt < 1.0, "fed \(lastFeed - blockedAt) s after the loop blocked")
            #expect(expiry - blockedAt < 3.0)
            #expect(feeder.current.withholding?.hasPrefix("unhealthy: engine") == true, "\(feeder.current)")

            // The loop answers again: feeding resumes.
            #expect(await HealthMonitorTests.eventually(5) { fake.state.feeds.last.map { $0 > blockedAt + 4 } ?? false })
            #expect(feeder.current.withholding == nil)

            try feeder.stop()
            let after = fake.stateAfterClose()
            #expect(!after.running)
            #expect(after.events.last?.kind == .close)
            #expect(after.events.dropLast().last?.kind == .magicWrite)
        }
    }

    @Test("when the heartbeats stop (the task pool is frozen) the feeder thread stops feeding by itself")
    func staleHeartbeat() async throws {
        try await Self.withFake { fake in
            let monitor = HealthMonitor(checks: [.init(SubsystemCheck(states: SubsystemStates()))], interval: .milliseconds(100), logger: Self.logger)
            let rounds = Task { await monitor.run() }
            #expect(await HealthMonitorTests.eventually { await monitor.currentHealth().healthy })
            let device = try WatchdogDevice(path: fake.path)
            try device.setTimeout(seconds: 2)
            let feeder = try WatchdogFeeder(
                device: device, settings: .init(feedInterval: .milliseconds(100), staleAfter: .milliseconds(500)), logger: Self.logger
            ) { monitor.heartbeat }
            try feeder.start()
            try await Task.sleep(for: .milliseconds(500))
            #expect(fake.state.feeds.count >= 3)

            rounds.cancel()
            await rounds.value
            let frozenAt = try #require(monitor.heartbeat).at
            try await Task.sleep(for: .milliseconds(3000))
            let state = fake.state
            let lastFeed = try #require(state.feeds.last)
            #expect(lastFeed - frozenAt <= 0.65, "fed \(lastFeed - frozenAt) s after the last heartbeat")
            #expect(state.expiries.count == 1)
            #expect(feeder.current.withholding?.hasPrefix("no health heartbeat for") == true)
            try feeder.stop()
        }
    }
}
