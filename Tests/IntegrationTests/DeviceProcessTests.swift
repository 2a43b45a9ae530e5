import Foundation
import Testing
import TestSupport
import WatchdogFake

/// The device services in the real binary: the watchdog fed only while the daemon works (a fake device on FUSE, see
/// `FakeWatchdog`: this kernel has no softdog).
@Suite("rill's device services", .serialized)
struct DeviceProcessTests {
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test(
        "the watchdog is armed with the configured timeout, fed while healthy, starved when the daemon is frozen (kill -STOP), fed again after SIGCONT, disarmed on SIGTERM",
        .enabled(if: FakeWatchdog.unavailableReason == nil, "\(FakeWatchdog.unavailableReason ?? "")")
    )
    func watchdog() throws {
        let directory = try TemporaryDirectory()
        let mount = directory.path + "/dev"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let fake = try FakeWatchdog(mountPoint: mount)
        defer { fake.stop() }
        let rill = try RillProcess(environment: [
            "RILL_HTTP_PORT": "0", "RILL_DATA_DIRECTORY": directory.path + "/data", "RILL_ENGINE_LISTEN_PORT": "0",
            "RILL_DEVICE_WATCHDOG": fake.path, "RILL_DEVICE_WATCHDOG_TIMEOUT_SECONDS": "3",
        ], workingDirectory: directory.path)
        defer { if rill.process.isRunning { _ = rill.stop(with: SIGKILL) } }
        let port = try rill.waitUntilListening()
        try rill.waitForLog("timeout=3 \\[rill\\] watchdog armed")
        #expect(fake.state.timeoutSeconds == 3)
        #expect(Self.eventually(5) { fake.state.feeds.count >= 5 }, "feeds: \(fake.state.feeds.count)")
        let status = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/status"))
        #expect(status.body.contains("\"watchdog\":{\"detail\":\"\(fake.path): timeout 3 s\",\"phase\":\"running\"}"), "\(status.body)")
        #expect(status.body.contains("\"failing\":[],\"healthy\":true"), "\(status.body)")
        #expect(fake.state.expiries.isEmpty)

        // Freeze the whole daemon: no thread feeds; the timer runs out 3 s after the last feed.
        kill(rill.process.processIdentifier, SIGSTOP)
        let frozenAt = SystemClock.seconds()
        usleep(4_500_000)
        let frozen = fake.state
        let expiry = try #require(frozen.expiries.first, "no expiry; last feed \(String(describing: frozen.feeds.last.map { $0 - frozenAt })) s after the freeze")
        let lastFeed = try #require(frozen.feeds.last)
        #expect(lastFeed - frozenAt < 0.1, "fed \(lastFeed - frozenAt) s after SIGSTOP")
        #expect(expiry - frozenAt <= 3.1)

        kill(rill.process.processIdentifier, SIGCONT)
        #expect(Self.eventually(5) { (fake.state.feeds.last ?? 0) > frozenAt + 4.5 }, "not fed again after SIGCONT")

        let (exit, _) = rill.stop(with: SIGTERM)
        #expect(exit == 0, "\(rill.log)")
        let after = fake.stateAfterClose()
        #expect(!after.running, "the watchdog was not disarmed: \(after.events.suffix(3))")
        #expect(after.events.suffix(2).map(\.kind) == [.magicWrite, .close])
        #expect(rill.log.contains("watchdog disarmed"))
    }
}

/// The monotonic clock the fake watchdog stamps its events with.
enum SystemClock {
    static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
