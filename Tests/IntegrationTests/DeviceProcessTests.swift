import Foundation
import Testing
import TestSupport
import WatchdogFake

/// The device services in the real binary: the watchdog fed only while the daemon works (a fake device on FUSE, see
/// `FakeWatchdog`: this kernel has no softdog), the crash loop guard putting a daemon that keeps dying into safe mode
/// and out again, and the status LEDs drawn on a sysfs-shaped tree.
@Suite("rill's device services", .serialized)
struct DeviceProcessTests {
    static func ledTree(in directory: String) throws -> String {
        let leds = directory + "/leds"
        for led in ["ACT", "PWR"] {
            try FileManager.default.createDirectory(atPath: leds + "/" + led, withIntermediateDirectories: true)
            let files = ["trigger": "none [mmc0] timer heartbeat\n", "brightness": "0\n", "max_brightness": "1\n",
                         "delay_on": "-\n", "delay_off": "-\n", "invert": "-\n"]
            for (name, value) in files { try value.write(toFile: leds + "/" + led + "/" + name, atomically: false, encoding: .utf8) }
        }
        return leds
    }

    static func attribute(_ leds: String, _ led: String, _ name: String) -> String {
        (try? String(contentsOfFile: leds + "/" + led + "/" + name, encoding: .utf8)) ?? "?"
    }

    /// A fake watchdog device (FUSE) mounted at `<directory>/dev`.
    static func fakeWatchdog(in directory: TemporaryDirectory) throws -> FakeWatchdog {
        let mount = directory.path + "/dev"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        return try FakeWatchdog(mountPoint: mount)
    }

    /// rill with its data in `<directory>/data`, any free ports, and `watchdog` as its watchdog device.
    static func rill(in directory: TemporaryDirectory, watchdog: FakeWatchdog, timeoutSeconds: Int) throws -> RillProcess {
        try RillProcess(environment: [
            "RILL_HTTP_PORT": "0", "RILL_DATA_DIRECTORY": directory.path + "/data", "RILL_ENGINE_LISTEN_PORT": "0",
            "RILL_DEVICE_WATCHDOG": watchdog.path, "RILL_DEVICE_WATCHDOG_TIMEOUT_SECONDS": "\(timeoutSeconds)",
        ], workingDirectory: directory.path)
    }

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
        let fake = try Self.fakeWatchdog(in: directory)
        defer { fake.stop() }
        let rill = try Self.rill(in: directory, watchdog: fake, timeoutSeconds: 3)
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

    @Test(
        "under CPU load (four busy processes on two cores) the watchdog is fed at its pace: no gap near the timeout",
        .enabled(if: FakeWatchdog.unavailableReason == nil, "\(FakeWatchdog.unavailableReason ?? "")")
    )
    func feedJitterUnderLoad() throws {
        let directory = try TemporaryDirectory()
        let fake = try Self.fakeWatchdog(in: directory)
        defer { fake.stop() }
        let rill = try Self.rill(in: directory, watchdog: fake, timeoutSeconds: 15)
        defer { if rill.process.isRunning { _ = rill.stop(with: SIGKILL) } }
        _ = try rill.waitUntilListening()
        #expect(Self.eventually(10) { fake.state.feeds.count >= 3 })

        var burners: [Process] = []
        defer { for burner in burners where burner.isRunning { kill(burner.processIdentifier, SIGKILL) } }
        for _ in 0..<4 {
            let burner = Process()
            burner.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            burner.arguments = ["/dev/zero"]
            try burner.run()
            burners.append(burner)
        }
        let loadedFrom = SystemClock.seconds()
        usleep(12_000_000)
        for burner in burners { kill(burner.processIdentifier, SIGKILL) }
        let feeds = fake.state.feeds.filter { $0 >= loadedFrom }
        let gaps = zip(feeds.dropFirst(), feeds).map { ($0 - $1) * 1000 }.sorted()
        let median = gaps.isEmpty ? 0 : gaps[gaps.count / 2]
        let longest = gaps.last ?? 0
        print("watchdog feeds under load: \(feeds.count) in 12 s, gap median \(Int(median)) ms, longest \(Int(longest)) ms (interval 1000 ms, timeout 15 s)")
        #expect(feeds.count >= 8, "\(feeds.count) feeds in 12 s")
        #expect(longest < 5000, "a gap of \(Int(longest)) ms")
        #expect(fake.state.expiries.isEmpty)
        #expect(rill.stop(with: SIGTERM).status == 0)
    }

    @Test("killed (-9) at every start, the third start in a row is safe mode: no engine, LED error, status says why; a clean stop ends it")
    func crashLoop() throws {
        let directory = try TemporaryDirectory()
        let leds = try Self.ledTree(in: directory.path)
        let environment = [
            "RILL_HTTP_PORT": "0", "RILL_DATA_DIRECTORY": directory.path + "/data", "RILL_ENGINE_LISTEN_PORT": "0",
            "RILL_DEVICE_CRASH_LOOP_STARTS": "3", "RILL_DEVICE_CRASH_LOOP_MINUTES": "10",
            "RILL_DEVICE_LEDS": "sysfs", "RILL_DEVICE_LED_SYSFS_DIRECTORY": leds,
        ]
        for attempt in 1...2 {
            let rill = try RillProcess(environment: environment, workingDirectory: directory.path)
            let port = try rill.waitUntilListening()
            let torrents = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/torrents"))
            #expect(torrents.status == 200, "start \(attempt)")
            // A fresh data directory has not been set up: "setup needed", green blinking 1000/1000 ms.
            #expect(Self.eventually(5) { Self.attribute(leds, "ACT", "trigger") == "timer\n" && Self.attribute(leds, "ACT", "delay_on") == "1000\n" },
                    "start \(attempt): ACT is \(Self.attribute(leds, "ACT", "trigger"))")
            _ = rill.stop(with: SIGKILL)
        }
        let record = try String(contentsOfFile: directory.path + "/data/device/starts", encoding: .utf8)
        #expect(record.split(separator: "\n").count == 3, "\(record)")

        // As after a reboot: the kernel lists the triggers with the board's default active.
        try "none [mmc0] timer heartbeat\n".write(toFile: leds + "/ACT/trigger", atomically: false, encoding: .utf8)
        let safe = try RillProcess(environment: environment, workingDirectory: directory.path)
        let port = try safe.waitUntilListening()
        #expect(safe.log.contains("crash loop detected: starting in safe mode"))
        let status = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/status"))
        #expect(status.body.contains("\"safe_mode\":{\"detail\":\"safe mode: rill started 3 times within 10 minutes without a clean stop"), "\(status.body)")
        #expect(status.body.contains("\"engine\":{\"detail\":\"not started: safe mode\",\"phase\":\"stopped\"}"))
        #expect(curlGet("http://127.0.0.1:\(port)/api/v1/torrents")?.status == 404)
        #expect(curlGet("http://127.0.0.1:\(port)/healthz")?.status == 200)
        // LED error: green dark, red blinking fast.
        #expect(Self.eventually(5) { Self.attribute(leds, "PWR", "trigger") == "timer\n" }, "PWR is \(Self.attribute(leds, "PWR", "trigger"))")
        #expect(Self.attribute(leds, "PWR", "delay_on") == "100\n" && Self.attribute(leds, "PWR", "delay_off") == "100\n")
        #expect(Self.attribute(leds, "ACT", "trigger") == "none\n" && Self.attribute(leds, "ACT", "brightness") == "0\n")
        #expect(safe.stop(with: SIGTERM).status == 0)
        // The LEDs are given back as they were found.
        #expect(Self.attribute(leds, "ACT", "trigger") == "mmc0\n")
        let cleared = try String(contentsOfFile: directory.path + "/data/device/starts", encoding: .utf8)
        #expect(cleared == "rill-starts 1\n")

        let normal = try RillProcess(environment: environment, workingDirectory: directory.path)
        let normalPort = try normal.waitUntilListening()
        #expect(curlGet("http://127.0.0.1:\(normalPort)/api/v1/torrents")?.status == 200)
        #expect(!(curlGet("http://127.0.0.1:\(normalPort)/api/v1/status")?.body.contains("safe_mode") ?? true))
        #expect(normal.stop(with: SIGTERM).status == 0)
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
