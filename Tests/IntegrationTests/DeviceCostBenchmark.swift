import Foundation
import Testing
import TestSupport
import WatchdogFake

/// `ci/bench/device`: what the device services cost, on the binary in `$RILL_BINARY` (build it with
/// `-c release` for fair figures). Runs only with `RILL_BENCH=1` — a benchmark prints figures for a person; it fails
/// only when something did not work. In a network namespace (for mDNS), rill runs idle twice: once with the
/// optional device services off (mDNS, LEDs, watchdog; the health monitor always runs), once with all on (mDNS,
/// LEDs to the log, the FUSE watchdog); then 200 mDNS questions are asked over the veth pair.
@Suite("Device services: cost", .serialized, .enabled(if: ProcessInfo.processInfo.environment["RILL_BENCH"] == "1"))
struct DeviceCostBenchmark {
    /// VmRSS of `pid` in KiB.
    static func rss(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func idleRSS(_ lab: MDNSLab, environment: [String: String], seconds: UInt32 = 15) throws -> (rss: Int, threads: Int) {
        let directory = try TemporaryDirectory()
        var environment = environment
        environment["RILL_HTTP_HOST"] = "0.0.0.0"
        environment["RILL_HTTP_PORT"] = "0"
        environment["RILL_ENGINE_LISTEN_PORT"] = "0"
        environment["RILL_DATA_DIRECTORY"] = directory.path + "/data"
        let rill = try RillProcess(environment: environment, workingDirectory: directory.path, launcher: lab.exec(in: lab.device))
        defer { _ = rill.stop(with: SIGTERM) }
        try rill.waitForLog(#"listening on http://0\.0\.0\.0:\d+"#)
        sleep(seconds)
        let pid = rill.process.processIdentifier
        let threads = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).count
        return (rss(pid), threads)
    }

    @Test("idle RSS with the device services off and on; mDNS answer latency over 200 questions")
    func cost() throws {
        let lab = try MDNSLab()
        let mount = try TemporaryDirectory()
        let fake = try FakeWatchdog(mountPoint: mount.path)
        defer { fake.stop() }
        print("binary: \(RillProcess.binary)")
        let off = try Self.idleRSS(lab, environment: ["RILL_DEVICE_MDNS": "off", "RILL_DEVICE_LEDS": "off"])
        let on = try Self.idleRSS(lab, environment: [
            "RILL_DEVICE_MDNS": "on", "RILL_DEVICE_LEDS": "log", "RILL_DEVICE_WATCHDOG": fake.path,
        ])
        print("idle RSS: device services off \(off.rss) KiB (\(off.threads) threads), on \(on.rss) KiB (\(on.threads) threads), difference \(on.rss - off.rss) KiB")

        let directory = try TemporaryDirectory()
        let rill = try RillProcess(environment: [
            "RILL_HTTP_HOST": "0.0.0.0", "RILL_HTTP_PORT": "0", "RILL_ENGINE_LISTEN_PORT": "0",
            "RILL_DATA_DIRECTORY": directory.path + "/data", "RILL_DEVICE_MDNS": "on",
        ], workingDirectory: directory.path, launcher: lab.exec(in: lab.device))
        defer { _ = rill.stop(with: SIGTERM) }
        try rill.waitForLog(#"\[Device\] mDNS names announced"#)
        let before = Self.rss(rill.process.processIdentifier)
        // One dig process asks 200 questions (dig -f), each answered by unicast; dig measures every one.
        let questions = (0..<200).map { $0 % 2 == 0 ? "rill.local A" : "rill.local AAAA" }.joined(separator: "\n")
        let batch = directory.path + "/questions"
        try questions.write(toFile: batch, atomically: true, encoding: .utf8)
        let result = try lab.run(["/usr/bin/dig", "@192.168.77.1", "-p", "5353", "+time=2", "+tries=1", "-f", batch], in: lab.client)
        let times = result.output.split(separator: "\n").filter { $0.contains("Query time:") }
            .compactMap { Int($0.split(separator: " ").dropFirst(3).first ?? "") }.sorted()
        #expect(times.count == 200, "\(times.count) of 200 answered")
        let after = Self.rss(rill.process.processIdentifier)
        if !times.isEmpty {
            print("mDNS answer latency (dig, unicast, ms): median \(times[times.count / 2]), p95 \(times[times.count * 95 / 100]), max \(times.last ?? 0); RSS \(before) KiB before, \(after) KiB after")
        }
    }
}
