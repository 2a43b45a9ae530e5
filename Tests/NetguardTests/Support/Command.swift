import Foundation

/// Runs system tools (`ip`, `wg`, `dnsmasq`, `wireguard-go`) for the live tests.
enum Command {
    /// Where a tool is, looked up on PATH and the sbin directories; `nil` when it is not installed.
    static func find(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in path + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs to completion; throws with the output when it exits non-zero. Returns stdout and stderr together.
    @discardableResult
    static func run(_ arguments: [String], allowFailure: Bool = false) throws -> String {
        guard let first = arguments.first, let executable = find(first) else { throw CommandError.missing(arguments.first ?? "") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0, !allowFailure {
            throw CommandError.failed(arguments.joined(separator: " "), process.terminationStatus, output)
        }
        return output
    }
}

enum CommandError: Error, CustomStringConvertible {
    case missing(String)
    case failed(String, Int32, String)

    var description: String {
        switch self {
        case .missing(let name): "\(name) is not installed"
        case .failed(let command, let status, let output): "`\(command)` exited with \(status): \(output)"
        }
    }
}

/// A long-running child (wireguard-go -f, dnsmasq -k) with its output in a file; stopped with SIGTERM, then
/// SIGKILL, and always waited for, when `stop()` is called or it is released.
final class ChildProcess {
    let process = Process()
    let logPath: String

    init(_ arguments: [String], logPath: String) throws {
        guard let first = arguments.first, let executable = Command.find(first) else { throw CommandError.missing(arguments.first ?? "") }
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
