#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Synchronization

/// Watches one network interface by name through rtnetlink and reports every change of its state — appears,
/// disappears, goes up or down, gains or loses an address — to `updates()` streams within milliseconds (the
/// reader thread blocks in `poll` on the netlink socket; there is no polling interval). The kill switch pauses
/// the engine on `state.binding == nil`.
///
/// The initial state is read (RTM_GETLINK and RTM_GETADDR dumps) before `init` returns, so `state` is right from
/// the start. `stop()` (or releasing the watch) ends the reader thread and finishes every stream.
///
/// When the netlink socket itself fails (a read error other than lost messages), the state gets
/// ``InterfaceState/watchFailure`` — unusable, so the kill switch holds the engine offline — and the watch makes a
/// new socket with `reopen` after `retryDelay` (doubling up to 30 s while that fails), reads the whole state again
/// and goes on; the streams stay open throughout, so whoever follows the watch follows the new socket too.
public final class InterfaceWatch: Sendable {
    /// At most this many `updates()` streams at once; more get the current state and finish.
    public static let maxSubscribers = 32

    /// Makes the netlink socket (again, after a failure).
    public typealias SocketMaker = @Sendable () throws -> NetlinkRouteSocket

    public let interfaceName: String
    private let core: WatchCore

    /// Starts watching `interfaceName` on `socket` (by default a new one in the calling thread's namespace).
    /// After a socket failure a new one comes from `reopen`; by default a new one in the reader thread's
    /// namespace (the process's) when no `socket` was given, else none (the watch stays failed: fail closed).
    public init(interfaceName: String, socket: NetlinkRouteSocket? = nil, reopen: SocketMaker? = nil,
                retryDelay: Duration = .seconds(1),
                logger: Logger = Logger(label: "rill.netguard.interface")) throws(InterfaceWatchError) {
        self.interfaceName = interfaceName
        let netlink: NetlinkRouteSocket
        if let socket {
            netlink = socket
        } else {
            do throws(SystemCallError) { netlink = try NetlinkRouteSocket() } catch { throw .system(error) }
        }
        let reader = InterfaceReader(name: interfaceName, socket: netlink, logger: logger)
        try reader.synchronize()
        let maker: SocketMaker?
        if let reopen {
            maker = reopen
        } else if socket == nil {
            maker = { try NetlinkRouteSocket() }
        } else {
            maker = nil
        }
        core = try WatchCore(reader: reader, reopen: maker, retryDelay: retryDelay, logger: logger)
    }

    deinit { core.stop() }

    /// The latest state.
    public var state: InterfaceState { core.state }

    /// A stream that starts with the current state and then yields each new one. A slow consumer skips to the
    /// newest (the stream buffers 16). It finishes when the watch stops.
    public func updates() -> AsyncStream<InterfaceState> { core.subscribe() }

    /// Ends the reader thread and finishes every stream. Safe to call more than once.
    public func stop() { core.stop() }

    /// The descriptor of the netlink socket being read now (tests break it to exercise the failure path).
    var currentDescriptor: Int32 { core.currentDescriptor }

    /// Socket failures so far (each one followed by a new socket once one can be made).
    public var failures: Int { core.failures }
}

/// The state shared between the reader thread and the watch's users.
private final class WatchCore: Sendable {
    private struct Shared {
        var state: InterfaceState
        var subscribers: [Int: AsyncStream<InterfaceState>.Continuation] = [:]
        var nextID = 0
        var stopped = false
        var descriptor: Int32
        var failures = 0
    }

    /// The longest wait between attempts to make a new socket.
    static let maxRetryDelay = Duration.seconds(30)

    private let shared: Mutex<Shared>
    private let wakeRead: FileDescriptor
    private let wakeWrite: FileDescriptor
    private let thread: Mutex<DedicatedThread?>
    private let reopen: InterfaceWatch.SocketMaker?
    private let retryDelay: Duration
    private let logger: Logger

    init(reader: InterfaceReader, reopen: InterfaceWatch.SocketMaker?, retryDelay: Duration, logger: Logger) throws(InterfaceWatchError) {
        self.logger = logger
        self.reopen = reopen
        self.retryDelay = retryDelay
        shared = Mutex(Shared(state: reader.state, descriptor: reader.descriptor))
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw .system(.last("pipe")) }
        wakeRead = FileDescriptor(pipeEnds[0])
        wakeWrite = FileDescriptor(pipeEnds[1])
        thread = Mutex(nil)
        do throws(SystemCallError) {
            let started = try DedicatedThread { [self] in run(reader) }
            thread.withLock { $0 = started }
        } catch {
            throw .system(error)
        }
        logger.debug("watching \(reader.state.name): \(reader.state.unusableReason ?? "usable")")
    }

    var state: InterfaceState { shared.withLock { $0.state } }
    var currentDescriptor: Int32 { shared.withLock { $0.descriptor } }
    var failures: Int { shared.withLock { $0.failures } }

    func subscribe() -> AsyncStream<InterfaceState> {
        let (stream, continuation) = AsyncStream.makeStream(of: InterfaceState.self, bufferingPolicy: .bufferingNewest(16))
        let id: Int? = shared.withLock { shared in
            continuation.yield(shared.state)
            guard !shared.stopped, shared.subscribers.count < InterfaceWatch.maxSubscribers else { return nil }
            let id = shared.nextID
            shared.nextID += 1
            shared.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.shared.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func stop() {
        let first = shared.withLock { shared in
            defer { shared.stopped = true }
            return !shared.stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite.raw, &byte, 1)
        let running = thread.withLock { current in
            defer { current = nil }
            return current
        }
        if let running, !running.isCurrent { running.join() }
    }

    /// The reader thread: follow the socket until it fails, then make a new one and follow that, until stopped.
    private func run(_ first: InterfaceReader) {
        var reader = first
        while follow(reader) {
            guard let next = recover(reader) else { break }
            reader = next
        }
        let subscribers = shared.withLock { shared in
            shared.stopped = true
            defer { shared.subscribers = [:] }
            return shared.subscribers.values
        }
        subscribers.forEach { $0.finish() }
    }

    /// Waits for netlink data or the wake pipe, applies, publishes. Returns `true` when the socket failed,
    /// `false` when the watch was stopped.
    private func follow(_ reader: InterfaceReader) -> Bool {
        var entries = [pollfd(fd: reader.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead.raw, events: Int16(POLLIN), revents: 0)]
        while !shared.withLock({ $0.stopped }) {
            entries[0].revents = 0
            entries[1].revents = 0
            let ready = poll(&entries, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                fail(reader, "\(SystemCallError.last("poll"))")
                return true
            }
            if entries[1].revents != 0 { return false }
            if entries[0].revents & Int16(POLLIN) != 0 {
                if let error = reader.readNotifications() {
                    fail(reader, "\(error)")
                    return true
                }
                publish(reader.state)
            } else if entries[0].revents != 0 {
                fail(reader, "the netlink socket failed (poll revents \(entries[0].revents))")
                return true
            }
        }
        return false
    }

    /// After a failure: waits `retryDelay` (doubling per failed attempt, at most ``maxRetryDelay``; the wake pipe
    /// ends the wait), makes a new socket and reads the whole state. `nil` when stopped or when there is no way to
    /// make a socket (the failure state stays: fail closed).
    private func recover(_ failed: InterfaceReader) -> InterfaceReader? {
        guard let reopen else { return nil }
        var delay = retryDelay
        while true {
            var wake = pollfd(fd: wakeRead.raw, events: Int16(POLLIN), revents: 0)
            let waited = poll(&wake, 1, Int32(clamping: delay.milliseconds))
            if waited > 0 || shared.withLock({ $0.stopped }) { return nil }
            do {
                let reader = InterfaceReader(name: failed.state.name, socket: try reopen(), logger: failed.logger)
                try reader.synchronize()
                shared.withLock { $0.descriptor = reader.descriptor }
                logger.notice("interface watch: following \(failed.state.name) on a new netlink socket")
                publish(reader.state)
                return reader
            } catch {
                logger.error("interface watch: cannot make a new netlink socket: \(error)")
                delay = min(delay * 2, Self.maxRetryDelay)
            }
        }
    }

    /// Fail closed: a watch that cannot read any more reports the interface unusable.
    private func fail(_ reader: InterfaceReader, _ reason: String) {
        logger.error("interface watch: \(reason)")
        var state = reader.state
        state.watchFailure = reason
        shared.withLock { $0.failures += 1 }
        publish(state)
    }

    private func publish(_ state: InterfaceState) {
        let changed = shared.withLock { shared in
            guard shared.state != state else { return false }
            shared.state = state
            for continuation in shared.subscribers.values { continuation.yield(state) }
            return true
        }
        if changed { logger.debug("\(state.name): \(state.unusableReason ?? "usable") — \(state)") }
    }
}
