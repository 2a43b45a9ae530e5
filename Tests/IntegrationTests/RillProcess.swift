import Foundation
import TestSupport

/// The real `rill` binary, started as a child process with its stderr in a file, stopped with a signal.
final class RillProcess {
    let process = Process()
    let logPath: String
    let workingDirectory: String
    private(set) var port = 0

    /// The built binary: `$RILL_BINARY`, else `.build/debug/rill` in the package.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["RILL_BINARY"] { return path }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/rill").path
    }

    /// `launcher` runs the binary through another program (`["ip", "netns", "exec", NAME]`), which must exec it.
    init(arguments: [String] = ["run"], environment: [String: String] = [:], workingDirectory: String, launcher: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw RillProcessError.missingBinary(Self.binary)
        }
        self.workingDirectory = workingDirectory
        logPath = workingDirectory + "/rill.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RILL_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for the "rill listening on http://HOST:PORT" line and returns the port.
    func waitUntilListening(timeout: Double = 20) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = log.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let text = log[range]
                port = Int(text.split(separator: ":").last ?? "") ?? 0
                return port
            }
            guard process.isRunning else { throw RillProcessError.exited(process.terminationStatus, log) }
            usleep(50_000)
        }
        throw RillProcessError.timedOut(log)
    }

    /// Waits until the log matches `pattern` (a regular expression); returns the matched text.
    @discardableResult
    func waitForLog(_ pattern: String, timeout: Double = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = log
            if let range = text.range(of: pattern, options: .regularExpression) { return String(text[range]) }
            guard process.isRunning else { throw RillProcessError.exited(process.terminationStatus, text) }
            usleep(50_000)
        }
        throw RillProcessError.timedOut(log)
    }

    /// Sends `signal` and waits for the exit; returns the exit status and the seconds rill took to exit.
    ///
    /// The time is read from `/proc` (gone, or a zombie not yet reaped), not from `Process.isRunning`: Foundation
    /// reaps children on a thread of its own, and in a parallel test run on two cores that was seen to notice an exit
    /// 70 s late, after a rill that had exited in 2 s was killed for the timeout.
    func stop(with signal: Int32 = SIGTERM, timeout: Double = 10) -> (status: Int32, seconds: Double) {
        let started = Date()
        let pid = process.processIdentifier
        kill(pid, signal)
        while Self.isAlive(pid), Date().timeIntervalSince(started) < timeout { usleep(20_000) }
        let seconds = Date().timeIntervalSince(started)
        if Self.isAlive(pid) { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, seconds)
    }

    /// Whether `pid` still runs: its `/proc` entry exists and its state is not zombie (Z) or dead (X).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[close...].dropFirst(2).first
        return state != "Z" && state != "X"
    }

    /// Runs rill to completion with `arguments` and returns its exit status and combined output.
    static func runToEnd(_ arguments: [String], workingDirectory: String) throws -> (status: Int32, output: String) {
        let rill = try RillProcess(arguments: arguments, workingDirectory: workingDirectory)
        rill.process.waitUntilExit()
        return (rill.process.terminationStatus, rill.log)
    }
}

enum RillProcessError: Error {
    case missingBinary(String)
    case exited(Int32, String)
    case timedOut(String)
}
