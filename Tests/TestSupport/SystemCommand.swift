import Foundation

/// Runs a system tool to completion for a test (`fw_printenv`, `curl`, `mkfs.vfat`), with posix_spawn and waitpid:
/// stdout and stderr together in a temporary file, every signal at its default in the child.
public enum SystemCommand {
    /// What a finished command left.
    public struct Result: Sendable {
        public let status: Int32
        /// stdout and stderr, interleaved as written.
        public let output: String
    }

    /// Where a tool is on PATH or the sbin folders; nil when it is not installed.
    public static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in path + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `arguments` and waits for it (blocking this thread: call it through `offPool` from async code that
    /// other work shares the pool with).
    public static func run(_ arguments: [String]) throws -> Result {
        guard let first = arguments.first, let executable = find(first) else {
            throw SystemCommandError.missing(arguments.first ?? "")
        }
        let outputPath = "/tmp/rill-cmd-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw SystemCommandError.failed(arguments.joined(separator: " "), spawned, "posix_spawn failed") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: code, output: text)
    }

    /// Runs `arguments` and throws with the output unless it exits 0; returns the output.
    @discardableResult
    public static func check(_ arguments: [String]) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw SystemCommandError.failed(arguments.joined(separator: " "), result.status, result.output)
        }
        return result.output
    }
}

public enum SystemCommandError: Error, CustomStringConvertible {
    case missing(String)
    case failed(String, Int32, String)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not installed"
        case .failed(let command, let status, let output): "`\(command)` exited with \(status): \(output)"
        }
    }
}
