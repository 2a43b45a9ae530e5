#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs the system tools the tunnel needs (`ip`, `wg`, `wireguard-go`) to completion with `posix_spawn` (no
/// shell: arguments are passed as they are).
///
/// Contract: the tool is looked up on `PATH` and in the sbin folders (a daemon's `PATH` may lack them). It starts
/// with an environment of `PATH` and the given variables only, no signal blocked and default dispositions (the
/// daemon's threads block the signals it handles), standard input `input` (an unlinked 0600 file) or /dev/null,
/// and no other descriptor of ours (all are close-on-exec). Its output and error output (socket pairs) are read
/// to the end (up to 64 KiB each kept) on a thread of its own, then it is reaped: the caller's task only awaits. A non-zero exit is a ``TunnelError/Reason/commandFailed(_:status:output:)`` with the error
/// output (or the output), never the input: secrets go in through standard input only.
enum SystemTool {
    static let searchFolders = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
    static let outputLimit = 64 << 10

    /// Where `name` is, or `nil`. A name with a slash is taken as a path.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let folders = path.split(separator: ":").map(String.init) + searchFolders
        return folders.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Runs `tool arguments…` and returns its standard output. `environment` holds the variables it gets besides
    /// `PATH` (a `nil` value: not set).
    @discardableResult
    static func run(
        _ tool: String, _ arguments: [String], input: String? = nil, environment: [String: String?] = [:]
    ) async throws(TunnelError) -> String {
        let command = ([tool] + arguments).joined(separator: " ")
        guard let path = find(tool) else { throw TunnelError(command: command, reason: .toolMissing(tool)) }
        let outcome: ChildOutcome = await withCheckedContinuation { continuation in
            let work: @Sendable () -> Void = {
                continuation.resume(returning: ChildProcess.run(
                    path: path, arguments: [tool] + arguments, input: input.map { Array($0.utf8) },
                    environment: mergedEnvironment(environment), limit: outputLimit
                ))
            }
            do {
                try DedicatedThread(body: work).detach()
            } catch {
                continuation.resume(returning: ChildOutcome(status: -1, output: "", error: "\(error)"))
            }
        }
        guard outcome.status == 0 else {
            let text = outcome.error.isEmpty ? outcome.output : outcome.error
            throw TunnelError(command: command, reason: .commandFailed(command, status: outcome.status, output: trimmed(text)))
        }
        return outcome.output
    }

    /// The first 512 characters of a tool's message, without trailing white space.
    static func trimmed(_ text: String) -> String {
        var result = String(text.prefix(512))
        while result.last?.isWhitespace == true { result.removeLast() }
        return result
    }

    /// A small, predictable environment: `PATH` (the daemon's, with the sbin folders) plus `changes`. Nothing
    /// else of the daemon's leaks into the tools (and `environ` itself is not visible to Swift here).
    private static func mergedEnvironment(_ changes: [String: String?]) -> [String] {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        var values: [String: String] = ["PATH": (path.split(separator: ":").map(String.init) + searchFolders).joined(separator: ":")]
        for (key, value) in changes { values[key] = value }
        return values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}

/// How a child ended: exit status (128 + signal when killed, -1 when it could not start) and what it printed.
struct ChildOutcome: Sendable {
    let status: Int32
    let output: String
    let error: String
}

/// The blocking part of ``SystemTool/run(_:_:input:environment:)``: spawn, feed, read, reap.
enum ChildProcess {
    static func run(path: String, arguments: [String], input: [UInt8]?, environment: [String], limit: Int) -> ChildOutcome {
        var stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        let inputFile = input.map(inputDescriptor) ?? -1
        defer { if inputFile >= 0 { close(inputFile) } }
        guard input == nil || inputFile >= 0, makePipe(&stdoutPipe), makePipe(&stderrPipe) else {
            for fd in stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            return ChildOutcome(status: -1, output: "", error: "standard streams: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if inputFile >= 0 {
            posix_spawn_file_actions_adddup2(&actions, inputFile, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        for fd in [stdoutPipe[1], stderrPipe[1]] { close(fd) }
        guard spawned == 0 else {
            for fd in [stdoutPipe[0], stderrPipe[0]] { close(fd) }
            return ChildOutcome(status: -1, output: "", error: "posix_spawn \(path): \(String(cString: strerror(spawned)))")
        }
        let (output, error) = readBoth(stdoutPipe[0], stderrPipe[0], limit: limit)
        close(stdoutPipe[0])
        close(stderrPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return ChildOutcome(status: code, output: String(decoding: output, as: UTF8.self), error: String(decoding: error, as: UTF8.self))
    }

    /// A connected pair of close-on-exec stream sockets, used as a pipe (`pipe2` is not visible from Swift, and
    /// `pipe` + `fcntl` would leave a window in which another thread's child inherits the ends).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        socketpair(AF_UNIX, Posix.stream | Posix.closeOnExec, 0, &ends) == 0
    }

    /// The input as a file the child reads from the start: created 0600 and close-on-exec in /tmp, unlinked at
    /// once (it never has a name while it holds the bytes), written, rewound. A file and not a pipe, because
    /// `wg setconf NAME /dev/stdin` must be able to open its standard input by name. -1 on failure.
    private static func inputDescriptor(_ bytes: [UInt8]) -> Int32 {
        let path = "/tmp/.rill-input-\(UInt64.random(in: 0 ... .max))"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return -1 }
        unlink(path)
        var done = 0
        while done < bytes.count {
            let count = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                close(fd)
                return -1
            }
            done += count
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Reads both pipes to their ends with `poll`, keeping up to `limit` bytes of each.
    private static func readBoth(_ first: Int32, _ second: Int32, limit: Int) -> ([UInt8], [UInt8]) {
        var kept: [[UInt8]] = [[], []]
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while open[0] || open[1] {
            var fds = [pollfd(fd: open[0] ? first : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? second : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where open[index] && fds[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 {
                    open[index] = false
                } else if kept[index].count < limit {
                    kept[index] += buffer[0..<min(count, limit - kept[index].count)]
                }
            }
        }
        return (kept[0], kept[1])
    }
}
