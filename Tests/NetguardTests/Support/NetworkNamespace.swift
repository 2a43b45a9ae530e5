import Foundation
import Synchronization
@testable import Netguard

/// A network namespace made for one test (`rillng-PID-TAG`), removed by `remove()` or when released. Stale ones
/// from test processes that died are removed first, with their wireguard-go children.
final class NetworkNamespace {
    static let prefix = "rillng-"

    /// Why namespace tests cannot run here, or `nil` when they can.
    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "not root: network namespace tests need root (ip netns add)" }
        guard Command.find("ip") != nil else { return "iproute2 (ip) is not installed" }
        return nil
    }()

    let name: String
    private var removed = false

    init(_ tag: String) throws {
        Self.removeStale()
        name = "\(Self.prefix)\(getpid())-\(tag)"
        _ = try? Command.run(["ip", "netns", "del", name], allowFailure: true)
        try Command.run(["ip", "netns", "add", name])
        try ip("link", "set", "lo", "up")
    }

    deinit { remove() }

    /// `ip -n NAME ARGS…`
    @discardableResult
    func ip(_ arguments: String...) throws -> String { try ip(arguments) }

    @discardableResult
    func ip(_ arguments: [String]) throws -> String { try Command.run(["ip", "-n", name] + arguments) }

    /// `ip netns exec NAME ARGS…` as an argument list (for `Command.run` or `ChildProcess`).
    func exec(_ arguments: [String]) -> [String] { ["ip", "netns", "exec", name] + arguments }

    /// Runs `body` on a new thread that has entered this namespace (setns), and waits for it. Sockets opened
    /// there stay in the namespace for their whole life; the thread ends with `body`, so no other code ever
    /// runs in the namespace by accident.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        try Self.run(in: name, body)
    }

    /// `run(_:)` by name, for `@Sendable` closures that must not capture the namespace object.
    static func run<T: Sendable>(in name: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let path = "/run/netns/\(name)"
        let thread = try DedicatedThread {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                result.withLock { $0 = .failure(SystemCallError("open \(path)", code: errno)) }
                return
            }
            defer { close(descriptor) }
            guard let setns = Self.setns, setns(descriptor, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
                result.withLock { $0 = .failure(SystemCallError("setns", code: errno)) }
                return
            }
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
        }
        thread.join()
        guard let outcome = result.withLock({ $0 }) else { throw SystemCallError("namespace thread", code: 0) }
        return try outcome.get()
    }

    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? Command.run(["ip", "netns", "del", name], allowFailure: true)
        try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)")
    }

    /// Gives programs run with `ip netns exec` in this namespace their own /etc/hosts (iproute2 bind-mounts
    /// /etc/netns/NAME/hosts over /etc/hosts); removed with the namespace.
    func setHosts(_ lines: [String]) throws {
        let folder = "/etc/netns/\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/hosts", atomically: true, encoding: .utf8)
    }

    /// `setns(2)`, looked up at run time: Swift's Glibc module leaves out the _GNU_SOURCE declarations.
    private static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    /// Namespaces and wireguard-go processes left by test runs whose process is gone (killed mid-test).
    static func removeStale() {
        let list = (try? Command.run(["ip", "netns", "list"], allowFailure: true)) ?? ""
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).split(separator: "-").first ?? ""),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? Command.run(["ip", "netns", "del", name], allowFailure: true)
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)")
        }
        // wireguard-go children are named rwg<PID><side>; kill those whose test process is gone.
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in processes {
            guard let child = Int32(entry),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.first?.hasSuffix("wireguard-go") == true, let interface = arguments.last,
                  interface.hasPrefix("rwg"), let owner = Int32(interface.dropFirst(3).dropLast()),
                  kill(owner, 0) != 0, errno == ESRCH else { continue }
            kill(child, SIGKILL)
        }
    }
}
