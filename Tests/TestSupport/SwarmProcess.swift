#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// A child process for tests: started with `posix_spawn` as the leader of its own process group, stdin from
/// /dev/null, stdout and stderr each in a file, always reaped, and sent SIGTERM if the test process dies first.
///
/// The waits are async: they sleep instead of blocking one of the few threads Swift's concurrency pool has, so
/// timing-sensitive tests in other suites keep running. `stop()` sends SIGTERM to the leader only (the ci/swarm
/// scripts pass it on to their client in the signal that client stops cleanly on), waits, then SIGKILLs the whole
/// group; whatever the leader left behind in its group is killed too, before the leader is reaped, so nothing
/// outlives the test. `deinit` SIGKILLs the group if nobody stopped it.
public final class ManagedProcess {
    public let name: String
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    public let started = ContinuousClock.now
    private var status: Int32?

    /// Starts `executable` (a path) with `arguments`; `environment` is merged over this process's environment,
    /// a nil value removes a variable. Output goes to `<logDirectory>/<name>.out` and `.err`.
    public init(
        name: String, executable: String, arguments: [String], environment: [String: String?] = [:],
        logDirectory: String, workingDirectory: String? = nil
    ) throws {
        self.name = name
        stdoutPath = logDirectory + "/" + name + ".out"
        stderrPath = logDirectory + "/" + name + ".err"

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        // setpriv: SIGTERM to the child when the spawning thread ends (see SpawnThread). env(1) changes directory,
        // as posix_spawn_file_actions_addchdir_np is not visible from Swift's Glibc. Both exec, adding no process.
        let command = ["/usr/bin/setpriv", "--pdeathsig", "TERM", "--"]
            + (workingDirectory.map { ["/usr/bin/env", "--chdir=\($0)"] } ?? []) + [executable] + arguments
        let environmentLines = merged.map { "\($0.key)=\($0.value)" }
        let (stdoutPath, stderrPath) = (stdoutPath, stderrPath)
        let (result, child) = SpawnThread.shared.run {
            spawn(command, environment: environmentLines, stdout: stdoutPath, stderr: stderrPath)
        }
        guard result == 0 else { throw ManagedProcessError.spawnFailed(executable, result) }
        pid = child
    }

    deinit { kill() }

    /// What the process wrote to stdout so far.
    public var output: String { Self.read(stdoutPath) }
    /// What the process wrote to stderr so far.
    public var errors: String { Self.read(stderrPath) }
    /// Both, labelled, for failure messages.
    public var log: String { "--- \(name) stdout:\n\(output)--- \(name) stderr:\n\(errors)" }

    /// The exit status once it has exited, or nil: the exit code, or 128 + signal number. Whatever the process
    /// left running in its group is killed before the process is reaped.
    public var exitStatus: Int32? {
        if status == nil, exitedUnreaped() {
            Glibc.kill(-pid, SIGKILL)
            _ = reap(blocking: true)
        }
        return status
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Which output `waitForLine` reads.
    public enum Stream: Sendable { case stdout, stderr }

    /// Waits for a line on `stream` that starts with `prefix` and returns it; throws when the process exits first
    /// or `timeout` passes.
    @discardableResult
    public func waitForLine(startingWith prefix: String, on stream: Stream = .stdout, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = stream == .stdout ? output : errors
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if let status = exitStatus { throw ManagedProcessError.exited(name, status, "waiting for \"\(prefix)\"", log) }
            if ContinuousClock.now >= deadline { throw ManagedProcessError.timedOut(name, "\"\(prefix)\"", log) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for the process to exit and returns its status; throws when `timeout` passes first (it keeps running).
    @discardableResult
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus { return status }
            if ContinuousClock.now >= deadline { throw ManagedProcessError.timedOut(name, "exit", log) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends `signal` to the process (the group leader only).
    public func send(_ signal: Int32) {
        if status == nil { Glibc.kill(pid, signal) }
    }

    /// SIGTERM, up to `timeout` for a clean exit, then SIGKILL to the whole process group; reaps the leader and
    /// returns its exit status. Calling it again returns the same status.
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) async -> Int32 {
        if let status { return status }
        if !exitedUnreaped() { Glibc.kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + timeout
        while !exitedUnreaped(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return kill()
    }

    /// SIGKILL to the whole process group at once, then reaps the leader and returns its exit status.
    @discardableResult
    public func kill() -> Int32 {
        if let status { return status }
        // The leader is a zombie or still running: either way its pid (and so the group id) cannot be reused yet.
        Glibc.kill(-pid, SIGKILL)
        _ = reap(blocking: true)
        return status ?? -1
    }

    /// True when the leader has exited but is not reaped yet (WNOWAIT leaves it a zombie).
    private func exitedUnreaped() -> Bool {
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        return result == 0 && info._sifields._sigchld.si_pid == pid
    }

    private func reap(blocking: Bool) -> Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &raw, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
        guard result == pid else { return false }
        let signal = raw & 0x7f
        status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        return true
    }

    private static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}

public enum ManagedProcessError: Error, CustomStringConvertible {
    case spawnFailed(String, Int32)
    case exited(String, Int32, String, String)
    case timedOut(String, String, String)

    public var description: String {
        switch self {
        case .spawnFailed(let path, let error): "cannot start \(path): \(String(cString: strerror(error)))"
        case .exited(let name, let status, let waiting, let log): "\(name) exited \(status) while \(waiting)\n\(log)"
        case .timedOut(let name, let what, let log): "\(name): timed out waiting for \(what)\n\(log)"
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
public func freeTCPPort() -> Int { freePort(type: Int32(SOCK_STREAM.rawValue)) }

/// A UDP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
public func freeUDPPort() -> Int { freePort(type: Int32(SOCK_DGRAM.rawValue)) }

private func freePort(type: Int32) -> Int {
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    return bound ? Int(UInt16(bigEndian: address.sin_port)) : 0
}

/// posix_spawn with the child leading a new process group, an empty signal mask and default handlers (test-runner
/// threads block signals, and a child would inherit that), stdin from /dev/null and output to files.
private func spawn(_ command: [String], environment: [String], stdout: String, stderr: String) -> (Int32, pid_t) {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attributes, 0)
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaultSignals = sigset_t()
    sigfillset(&defaultSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

    let argv = command.map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var child: pid_t = 0
    let result = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
    return (result, child)
}

/// The one thread every ManagedProcess is spawned from. A parent-death signal (`setpriv --pdeathsig`) fires when the
/// *thread* that spawned the child ends, and the threads of Swift's concurrency pool come and go; this one lives as
/// long as the test process, so a test run that crashes or is killed takes its seeders and trackers with it.
private final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in serve() }
        thread.name = "swarm-spawn"
        thread.start()
    }

    /// Runs `job` on the spawn thread and returns its result (a spawn takes about a millisecond).
    func run<T: Sendable>(_ job: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        condition.lock()
        jobs.append {
            result.value = job()
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        return result.value!
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
