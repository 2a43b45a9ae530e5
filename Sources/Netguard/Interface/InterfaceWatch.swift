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
public final class InterfaceWatch: Sendable {
    /// At most this many `updates()` streams at once; more get the current state and finish.
    public static let maxSubscribers = 32

    public let interfaceName: String
    private let core: WatchCore

    /// Starts watching `interfaceName` on `socket` (by default a new one in the calling thread's namespace).
    public init(interfaceName: String, socket: NetlinkRouteSocket? = nil,
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
        core = try WatchCore(reader: reader, logger: logger)
    }

    deinit { core.stop() }

    /// The latest state.
    public var state: InterfaceState { core.state }

    /// A stream that starts with the current state and then yields each new one. A slow consumer skips to the
    /// newest (the stream buffers 16). It finishes when the watch stops.
    public func updates() -> AsyncStream<InterfaceState> { core.subscribe() }

    /// Ends the reader thread and finishes every stream. Safe to call more than once.
    public func stop() { core.stop() }
}

/// The state shared between the reader thread and the watch's users.
private final class WatchCore: Sendable {
    private struct Shared {
        var state: InterfaceState
        var subscribers: [Int: AsyncStream<InterfaceState>.Continuation] = [:]
        var nextID = 0
        var stopped = false
    }

    private let shared: Mutex<Shared>
    private let wakeRead: FileDescriptor
    private let wakeWrite: FileDescriptor
    private let thread: Mutex<DedicatedThread?>
    private let logger: Logger

    init(reader: InterfaceReader, logger: Logger) throws(InterfaceWatchError) {
        self.logger = logger
        shared = Mutex(Shared(state: reader.state))
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

    /// The reader thread: wait for netlink data or the wake pipe, apply, publish.
    private func run(_ reader: InterfaceReader) {
        var entries = [pollfd(fd: reader.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead.raw, events: Int16(POLLIN), revents: 0)]
        while !shared.withLock({ $0.stopped }) {
            entries[0].revents = 0
            entries[1].revents = 0
            let ready = poll(&entries, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                fail(reader, "\(SystemCallError.last("poll"))")
                break
            }
            if entries[1].revents != 0 { break }
            if entries[0].revents & Int16(POLLIN) != 0 {
                if let error = reader.readNotifications() {
                    fail(reader, "\(error)")
                    break
                }
                publish(reader.state)
            } else if entries[0].revents != 0 {
                fail(reader, "the netlink socket failed (poll revents \(entries[0].revents))")
                break
            }
        }
        let subscribers = shared.withLock { shared in
            shared.stopped = true
            defer { shared.subscribers = [:] }
            return shared.subscribers.values
        }
        subscribers.forEach { $0.finish() }
    }

    /// Fail closed: a watch that cannot read any more reports the interface unusable.
    private func fail(_ reader: InterfaceReader, _ reason: String) {
        logger.error("interface watch: \(reason)")
        var state = reader.state
        state.watchFailure = reason
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
