import Foundation
import Testing
import TestSupport

@Suite("The real rill binary", .serialized)
struct DaemonProcessTests {
    @Test("with no configuration file it serves /healthz and /api/v1/status, keeps data in ./.rill, and SIGTERM exits 0 within 5 s")
    func developmentInstance() throws {
        let directory = try TemporaryDirectory()
        let rill = try RillProcess(environment: ["RILL_HTTP_PORT": "0"], workingDirectory: directory.path)
        let port = try rill.waitUntilListening()
        let health = try #require(curlGet("http://127.0.0.1:\(port)/healthz"))
        #expect(health.status == 200)
        #expect(health.body == "ok\n")
        let status = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/status"))
        #expect(status.status == 200)
        #expect(status.body.contains("\"store\":{\"detail\":\"schema version"))
        #expect(status.body.contains("\"http\":{\"detail\":\"http://127.0.0.1:\(port)\",\"phase\":\"running\"}"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/.rill/rill.db"))
        #expect(rill.log.contains("config=built-in defaults"))

        let (exitStatus, seconds) = rill.stop(with: SIGTERM)
        #expect(exitStatus == 0, "log:\n\(rill.log)")
        #expect(seconds < 5)
        #expect(rill.log.contains("rill stopped"))
        try? FileManager.default.removeItem(atPath: directory.path + "/.rill")
    }

    @Test("SIGINT also stops it cleanly, and a config file from --config is used")
    func configFileAndSigint() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path + "/my.toml"
        try "[http]\nport = 0\n[data]\ndirectory = \"\(directory.path)/data\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let rill = try RillProcess(arguments: ["run", "--config", config], workingDirectory: directory.path)
        _ = try rill.waitUntilListening()
        #expect(FileManager.default.fileExists(atPath: directory.path + "/data/rill.db"))
        let (exitStatus, seconds) = rill.stop(with: SIGINT)
        #expect(exitStatus == 0)
        #expect(seconds < 5)
        try? FileManager.default.removeItem(atPath: directory.path + "/data")
    }

    @Test("a damaged database is set aside, reported in the log and the status, and the daemon still starts")
    func damagedDatabase() throws {
        let directory = try TemporaryDirectory()
        let data = directory.path + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Data(repeating: 0xAB, count: 8192).write(to: URL(fileURLWithPath: data + "/rill.db"))
        let rill = try RillProcess(
            environment: ["RILL_HTTP_PORT": "0", "RILL_DATA_DIRECTORY": data], workingDirectory: directory.path
        )
        let port = try rill.waitUntilListening()
        let status = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/status"))
        #expect(status.body.contains("\"phase\":\"degraded\""))
        #expect(status.body.contains("set aside as \(data)/rill.db.corrupt-"))
        #expect(rill.log.contains("database is damaged and was set aside"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: data).filter { $0.hasPrefix("rill.db.corrupt-") }
        #expect(kept.count == 1)
        #expect(rill.stop().status == 0)
        try? FileManager.default.removeItem(atPath: data)
    }

    @Test("kill -9 while running leaves a database that opens cleanly")
    func killNine() throws {
        let directory = try TemporaryDirectory()
        let data = directory.path + "/data"
        let environment = ["RILL_HTTP_PORT": "0", "RILL_DATA_DIRECTORY": data]
        let first = try RillProcess(environment: environment, workingDirectory: directory.path)
        _ = try first.waitUntilListening()
        _ = first.stop(with: SIGKILL)
        let second = try RillProcess(environment: environment, workingDirectory: directory.path)
        let port = try second.waitUntilListening()
        let status = try #require(curlGet("http://127.0.0.1:\(port)/api/v1/status"))
        #expect(status.body.contains("\"store\":{\"detail\":\"schema version"))
        #expect(!second.log.contains("damaged"))
        #expect(second.stop().status == 0)
        try? FileManager.default.removeItem(atPath: data)
    }

    @Test("a bad configuration is refused with its line and key, and the daemon does not start")
    func badConfiguration() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path + "/bad.toml"
        try "[http]\nport = 80\nmax_body_bytes = \"lots\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let check = try RillProcess.runToEnd(["config", "check", config], workingDirectory: directory.path)
        #expect(check.status == 1)
        #expect(check.output.contains("\(config):3: http.max_body_bytes: must be a byte count"))

        let run = try RillProcess.runToEnd(["run", "--config", config], workingDirectory: directory.path)
        #expect(run.status == 2)
        #expect(run.output.contains("configuration refused"))

        try "[http]\nport = 8081\n".write(toFile: config, atomically: true, encoding: .utf8)
        let good = try RillProcess.runToEnd(["config", "check", config], workingDirectory: directory.path)
        #expect(good.status == 0)
        #expect(good.output.contains("ok"))
    }

    @Test("rill version and rill config defaults")
    func versionAndDefaults() throws {
        let directory = try TemporaryDirectory()
        let version = try RillProcess.runToEnd(["version"], workingDirectory: directory.path)
        #expect(version.status == 0)
        #expect(version.output.split(separator: ".").count == 3)
        let defaults = try RillProcess.runToEnd(["config", "defaults"], workingDirectory: directory.path)
        #expect(defaults.status == 0)
        #expect(defaults.output.contains("[http]"))
        let config = directory.path + "/defaults.toml"
        try defaults.output.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try RillProcess.runToEnd(["config", "check", config], workingDirectory: directory.path).status == 0)
    }
}
