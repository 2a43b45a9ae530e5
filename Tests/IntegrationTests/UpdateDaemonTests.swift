import Foundation
import Testing
import TestSupport

/// OTA updates through the real `rill` binary: bundles made with `rill bundle keygen|create|sign`, uploaded with
/// curl (`-T`, streamed) to `rill run`, whose peak RSS (VmHWM) must not depend on the bundle's size; and the URL
/// download path killed with SIGKILL mid-download, mid-read-back and after staging, restarted each time: both slots
/// intact, the state telling what happened, and a new update succeeding.
@Suite("OTA updates on the real daemon", .serialized)
struct UpdateDaemonTests {
    /// A device folder: keys, the running slot's files, the data folder, bundles.
    final class Lab {
        let directory: TemporaryDirectory
        let root: String
        let publicKeyHex: String

        init() throws {
            directory = try TemporaryDirectory()
            root = directory.path + "/lab"
            try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
            try Self.rill(["bundle", "keygen", "--out", root + "/keys"], in: root)
            let key = try Data(contentsOf: URL(fileURLWithPath: root + "/keys/bundle-signing.pub"))
            publicKeyHex = key.map { String(format: "%02x", $0) }.joined()
            // The running system in slot A.
            for image in ["system.img", "boot.img"] { try Self.randomFile(root + "/slot-\(image)-a", bytes: 1 << 20, seed: 77) }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        @discardableResult
        static func rill(_ arguments: [String], in directory: String) throws -> String {
            let (status, output) = try RillProcess.runToEnd(arguments, workingDirectory: directory)
            guard status == 0 else { throw LabError.failed("rill \(arguments.joined(separator: " ")): \(status)\n\(output)") }
            return output
        }

        /// `bytes` pseudo-random bytes in 1 MiB blocks.
        static func randomFile(_ path: String, bytes: Int, seed: UInt64) throws {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            var generator = SplitMix64(seed: seed)
            var left = bytes
            while left > 0 {
                let count = min(left, 1 << 20)
                var block = Data(capacity: count + 8)
                while block.count < count { withUnsafeBytes(of: generator.next()) { block.append(contentsOf: $0) } }
                try handle.write(contentsOf: block.prefix(count))
                left -= count
            }
        }

        /// A bundle of `mebibytes` (4/5 system, 1/5 boot), made and signed by the rill binary.
        func bundle(version: String, mebibytes: Int, seed: UInt64, unsigned: Bool = false) throws -> String {
            let system = root + "/\(version)-system.img"
            let boot = root + "/\(version)-boot.img"
            try Self.randomFile(system, bytes: (mebibytes << 20) * 4 / 5, seed: seed)
            try Self.randomFile(boot, bytes: (mebibytes << 20) / 5, seed: seed + 1)
            let out = root + "/rill-\(version).bundle"
            try Self.rill(
                ["bundle", "create", "--board", "pi4", "--version", version, "--min-version", "0.1.0",
                 "--image", "system.img=\(system)", "--image", "boot.img=\(boot)", "--out", out]
                    + (unsigned ? ["--unsigned"] : ["--key", root + "/keys/bundle-signing.key"]),
                in: root
            )
            return out
        }

        var environment: [String: String] {
            [
                "RILL_HTTP_PORT": "0", "RILL_ENGINE_LISTEN_PORT": "0", "RILL_DATA_DIRECTORY": root + "/data",
                "RILL_UPDATE_BOARD": "pi4", "RILL_UPDATE_BOOTED_SLOT": "a", "RILL_UPDATE_PUBLIC_KEYS": publicKeyHex,
                "RILL_UPDATE_PUBLIC_KEY_FILE": root + "/none.pub", "RILL_UPDATE_MAX_BUNDLE_BYTES": "1GiB",
                "RILL_UPDATE_SLOT_IMAGES": "system.img=\(root)/slot-system.img-{slot},boot.img=\(root)/slot-boot.img-{slot}",
            ]
        }

        func daemon() throws -> (RillProcess, Int) {
            let rill = try RillProcess(environment: environment, workingDirectory: root)
            return (rill, try rill.waitUntilListening())
        }

        func sha256(_ path: String) -> String {
            (try? SystemCommand.check(["sha256sum", path]))?.split(separator: " ").first.map(String.init) ?? "missing"
        }

        func status(_ port: Int) throws -> [String: Any] {
            let response = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/update"))
            return try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        }
    }

    enum LabError: Error { case failed(String) }

    /// VmHWM of a process in KiB.
    static func peakResidentKiB(_ pid: Int32) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test("a 250 MiB upload installs with the same peak RSS as a 50 MiB one")
    func uploadMemory() throws {
        let lab = try Lab()
        var peaks: [Int: Int] = [:]
        var lines: [String] = []
        for mebibytes in [50, 250] {
            let bundle = try lab.bundle(version: "0.2.\(mebibytes)", mebibytes: mebibytes, seed: UInt64(mebibytes))
            let (rill, port) = try lab.daemon()
            let idle = Self.peakResidentKiB(rill.process.processIdentifier)
            let result = try SystemCommand.run([
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-X", "POST", "-T", bundle,
                "-H", "Content-Type: application/octet-stream", "http://127.0.0.1:\(port)/api/v1/update",
            ])
            let fields = result.output.split(separator: " ")
            #expect(fields.first == "200", "\(result.output)\n\(rill.log.suffix(2000))")
            let peak = Self.peakResidentKiB(rill.process.processIdentifier)
            peaks[mebibytes] = peak
            let status = try lab.status(port)
            #expect((status["trial"] as? [String: Any])?["slot"] as? String == "b")
            #expect(lab.sha256(lab.root + "/slot-system.img-b") == lab.sha256(lab.root + "/0.2.\(mebibytes)-system.img"))
            lines.append("\(mebibytes) MiB: install \(fields.last ?? "?") s, VmHWM \(peak) KiB (idle daemon \(idle) KiB)")
            #expect(rill.stop().status == 0)
            for file in ["rill-0.2.\(mebibytes).bundle", "0.2.\(mebibytes)-system.img", "0.2.\(mebibytes)-boot.img", "slot-system.img-b", "slot-boot.img-b"] {
                try? FileManager.default.removeItem(atPath: lab.root + "/" + file)
            }
        }
        print("UpdateDaemonTests.uploadMemory: " + lines.joined(separator: "; "))
        let small = try #require(peaks[50])
        let large = try #require(peaks[250])
        #expect(large < small + 8 * 1024, "VmHWM \(small) KiB for 50 MiB, \(large) KiB for 250 MiB")
    }

    @Test("the URL download killed at three points: both slots intact each time, then a new update succeeds")
    func killedDownloads() async throws {
        let lab = try Lab()
        let bundle = try lab.bundle(version: "0.2.0", mebibytes: 60, seed: 5)
        let server = try await RangeFileServer(directory: lab.root, logDirectory: lab.root, arguments: ["--rate", "15000000"])
        let url = server.url((bundle as NSString).lastPathComponent)
        let runningA = [lab.sha256(lab.root + "/slot-system.img-a"), lab.sha256(lab.root + "/slot-boot.img-a")]
        var points: [String] = []

        func start(_ port: Int) throws {
            let body = "{\"url\": \"\(url)\"}"
            let result = try SystemCommand.run([
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
                "--data", body, "http://127.0.0.1:\(port)/api/v1/update",
            ])
            #expect(result.output == "202", "\(result.output)")
        }

        /// Polls the progress until `condition` holds, then kills the daemon; returns the phase it was in.
        func kill(_ rill: RillProcess, port: Int, when condition: ([String: Any]) -> Bool) async throws -> String {
            for _ in 0..<2000 {
                let progress = try lab.status(port)["progress"] as? [String: Any] ?? [:]
                if condition(progress) || progress["phase"] as? String == "staged" || progress["phase"] as? String == "failed" {
                    _ = rill.stop(with: SIGKILL)
                    return "\(progress["phase"] ?? "?") at \(progress["bytes"] ?? 0) bytes"
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            _ = rill.stop(with: SIGKILL)
            return "timeout"
        }

        func checkAfterRestart(_ point: String) throws -> (RillProcess, Int, [String: Any]) {
            let (rill, port) = try lab.daemon()
            let status = try lab.status(port)
            #expect(status["last_good"] as? String == "a", "\(point)")
            #expect(status["state_source"] as? String == "primary", "\(point)")
            #expect([lab.sha256(lab.root + "/slot-system.img-a"), lab.sha256(lab.root + "/slot-boot.img-a")] == runningA, "\(point): slot A damaged")
            if let trial = status["trial"] as? [String: Any] {
                // Only a complete slot is ever on trial.
                #expect(trial["version"] as? String == "0.2.0", "\(point)")
                #expect(lab.sha256(lab.root + "/slot-system.img-b") == lab.sha256(lab.root + "/0.2.0-system.img"), "\(point)")
                #expect(lab.sha256(lab.root + "/slot-boot.img-b") == lab.sha256(lab.root + "/0.2.0-boot.img"), "\(point)")
            } else {
                let result = status["last_result"] as? [String: Any]
                #expect(result?["outcome"] as? String == "install-failed", "\(point): \(String(describing: result))")
                #expect(rill.log.contains("was interrupted"), "\(point)")
            }
            return (rill, port, status)
        }

        // 1: in the middle of the download (and of writing the system image).
        var (rill, port) = try lab.daemon()
        try start(port)
        points.append("download: " + (try await kill(rill, port: port) { ($0["bytes"] as? Int ?? 0) > 20_000_000 }))
        var status: [String: Any]
        (rill, port, status) = try checkAfterRestart(points[0])
        #expect(status["trial"] == nil)

        // 2: while an image is read back and re-hashed.
        try start(port)
        points.append("read-back: " + (try await kill(rill, port: port) { $0["phase"] as? String == "reading-back" }))
        (rill, port, status) = try checkAfterRestart(points[1])

        // 3: right after staging, before any reboot.
        try start(port)
        points.append("staged: " + (try await kill(rill, port: port) { $0["phase"] as? String == "staged" }))
        (rill, port, status) = try checkAfterRestart(points[2])
        #expect((status["trial"] as? [String: Any])?["slot"] as? String == "b", "\(points[2])")

        // And a new update succeeds (the same version again is a reinstall).
        try start(port)
        for _ in 0..<3000 {
            let phase = (try lab.status(port)["progress"] as? [String: Any])?["phase"] as? String
            if phase == "staged" || phase == "failed" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        status = try lab.status(port)
        #expect((status["progress"] as? [String: Any])?["phase"] as? String == "staged", "\(status)")
        #expect(rill.stop().status == 0)
        await server.stop()
        print("UpdateDaemonTests.killedDownloads: SIGKILL at " + points.joined(separator: "; "))
    }

    @Test("rill bundle sign, rill slot status and rill slot boot")
    func commandLine() throws {
        let lab = try Lab()
        let bundle = try lab.bundle(version: "0.2.0", mebibytes: 2, seed: 9, unsigned: true)
        let verify = ["bundle", "verify", "--key", lab.root + "/keys/bundle-signing.pub", bundle]
        let (refused, output) = try RillProcess.runToEnd(verify, workingDirectory: lab.root)
        #expect(refused == 1, "\(output)")
        #expect(output.contains("does not verify with the trusted key"))
        let signed = try Lab.rill(["bundle", "sign", "--key", lab.root + "/keys/bundle-signing.key", bundle], in: lab.root)
        #expect(signed.contains("signed"))
        #expect(try Lab.rill(verify, in: lab.root).contains("OK"))

        let (rill, port) = try lab.daemon()
        let upload = try SystemCommand.run([
            "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-T", bundle, "http://127.0.0.1:\(port)/api/v1/update",
        ])
        #expect(upload.output == "200")
        #expect(rill.stop().status == 0)

        // A clean environment: no RILL_* variable of the test runner reaches the configuration.
        let environment = ["-i", "PATH=/usr/bin:/bin"] + lab.environment.map { "\($0.key)=\($0.value)" }
        let status = try SystemCommand.check(["env"] + environment + [RillProcess.binary, "slot", "status"])
        #expect(status.contains("trial:       b 0.2.0, 3 tries left"), "\(status)")
        #expect(status.contains("last result: staged 0.2.0 in slot B"), "\(status)")
        let boot = try SystemCommand.run(["env"] + environment + [RillProcess.binary, "slot", "boot"])
        #expect(boot.output.hasSuffix("b\n"), "\(boot.output)")
        #expect(boot.output.contains("trial, 2 tries left"), "\(boot.output)")
        let markBad = try SystemCommand.run(["env"] + environment + ["RILL_UPDATE_BOOTED_SLOT=b", RillProcess.binary, "slot", "mark-bad"])
        #expect(markBad.status == 0, "\(markBad.output)")
        let boot2 = try SystemCommand.check(["env"] + environment + [RillProcess.binary, "slot", "boot", "--state-directory", lab.root + "/data/ota"])
        #expect(boot2.hasSuffix("a\n"), "\(boot2)")
        let markGood = try SystemCommand.run(["env"] + environment + ["RILL_UPDATE_BOOTED_SLOT=b", RillProcess.binary, "slot", "mark-good"])
        #expect(markGood.status == 1, "no trial any more: \(markGood.output)")
    }
}
