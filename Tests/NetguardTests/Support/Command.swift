import Foundation

/// Runs system tools (`ip`, `wg`, `dnsmasq`, `wireguard-go`) for the live tests, with posix_spawn and waitpid
/// (not Foundation's Process, whose exit monitoring lagged by seconds under parallel tests here).
enum Command {
    /// Where a tool is, looked up on PATH and the sbin directories; `nil` when it is not installed.
    static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
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
        let output = "/tmp/rillng-cmd-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { unlink(output) }
        let pid = try spawn(arguments, outputPath: output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        if exitCode != 0, !allowFailure {
            throw CommandError.failed(arguments.joined(separator: " "), exitCode, text)
        }
        return text
    }

    /// Starts `arguments` with stdout and stderr appended to `outputPath`; returns the child's pid.
    static func spawn(_ arguments: [String], outputPath: String) throws -> pid_t {
        guard let first = arguments.first, let executable = find(first) else { throw CommandError.missing(arguments.first ?? "") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The child starts with no signal blocked and every signal at its default: the test runner's threads
        // block some, and a dnsmasq that inherits a blocked SIGTERM never stops.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw CommandError.failed(arguments.joined(separator: " "), result, "posix_spawn failed") }
        return pid
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
/// SIGKILL after 3 s, and always reaped, when `stop()` is called or it is released.
final class ChildProcess {
    let pid: pid_t
    let logPath: String
    private var exited = false

    init(_ arguments: [String], logPath: String) throws {
        self.logPath = logPath
        pid = try Command.spawn(arguments, outputPath: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<300 where isRunning { usleep(10_000) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exited = true
        }
    }

    deinit { stop() }
}
