import TestSupport
import Torrent

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The real opentracker (Debian's, whitelist mode) on a free loopback port, TCP and UDP on the same number.
/// Stopped (SIGTERM, then SIGKILL after a second) and reaped by ``stop()`` or when released; its chroot
/// directory is removed with it.
///
/// Spawned with `posix_spawn` and an empty signal mask: test-runner threads block most signals, and a child
/// would inherit that mask and never see SIGTERM.
final class Opentracker: @unchecked Sendable {
    let port: Int
    private let pid: pid_t
    private var reaped = false
    private let directory: TemporaryDirectory

    var httpURL: String { "http://127.0.0.1:\(port)/announce" }
    var udpURL: String { "udp://127.0.0.1:\(port)/announce" }

    static let binary = "/usr/bin/opentracker"

    init(whitelist: [InfoHash]) throws {
        directory = try TemporaryDirectory()
        try directory.write("whitelist.txt", Array(whitelist.map { $0.hex + "\n" }.joined().utf8))
        // opentracker chroots into the directory and drops to `nobody` before reading the whitelist.
        chmod(directory.path, 0o755)
        chmod(directory.path + "/whitelist.txt", 0o644)
        for _ in 0..<5 {
            let port = try freePort()
            let pid = try spawn([Self.binary, "-i", "127.0.0.1", "-p", "\(port)", "-P", "\(port)", "-d", directory.path, "-w", "whitelist.txt"])
            if Self.waitUntilListening(port: port, pid: pid), Self.waitForWhitelist(port: port, hash: whitelist.first) {
                self.port = port
                self.pid = pid
                return
            }
            terminate(pid)
        }
        throw FileError.failed("opentracker did not start")
    }

    deinit { stop() }

    func stop() {
        guard !reaped else { return }
        reaped = true
        terminate(pid)
    }

    /// opentracker loads the whitelist on a thread of its own after it starts listening; until then it refuses
    /// every hash (and it never checks `stopped` announces). A `started` announce from port 1 tells when the
    /// list is in; a `stopped` one then removes that probe peer again.
    private static func waitForWhitelist(port: Int, hash: InfoHash?) -> Bool {
        guard let hash else { return true }
        let encoded = hash.bytes.map { "%" + String($0, radix: 16).uppercased().leftPadded() }.joined()
        let url = "http://127.0.0.1:\(port)/announce?info_hash=\(encoded)&peer_id=-RL0100-readinessprb&port=1"
            + "&uploaded=0&downloaded=0&left=0&compact=1&event="
        for _ in 0..<100 {
            if let reply = curlGet(url + "started"), reply.status == 200, !reply.body.contains("failure reason") {
                return curlGet(url + "stopped")?.status == 200
            }
            usleep(20_000)
        }
        return false
    }

    private static func waitUntilListening(port: Int, pid: pid_t) -> Bool {
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return false }
            if canConnect(port: port) { return true }
            usleep(20_000)
        }
        return false
    }
}

/// Starts `arguments[0]` with the rest as arguments, stdout and stderr to /dev/null, default signal handling.
private func spawn(_ arguments: [String]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigfillset(&defaults)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
    guard result == 0 else { throw FileError.failed("posix_spawn \(arguments[0]): \(result)") }
    return pid
}

/// SIGTERM, up to a second's grace, then SIGKILL; always reaped.
private func terminate(_ pid: pid_t) {
    kill(pid, SIGTERM)
    var status: Int32 = 0
    for _ in 0..<50 {
        if waitpid(pid, &status, WNOHANG) == pid { return }
        usleep(20_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
}

/// A port free for both TCP and UDP on 127.0.0.1 right now.
func freePort() throws -> Int {
    for _ in 0..<20 {
        let tcp = try boundSocket(type: Int32(SOCK_STREAM.rawValue), port: 0)
        defer { close(tcp.descriptor) }
        guard let udp = try? boundSocket(type: Int32(SOCK_DGRAM.rawValue), port: tcp.port) else { continue }
        close(udp.descriptor)
        return tcp.port
    }
    throw FileError.failed("no free port")
}

private func boundSocket(type: Int32, port: Int) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, type, 0)
    guard descriptor >= 0 else { throw FileError.failed("socket") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard bound else {
        close(descriptor)
        throw FileError.failed("bind")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

private func canConnect(port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

extension String {
    fileprivate func leftPadded() -> String { count < 2 ? "0" + self : self }
}
