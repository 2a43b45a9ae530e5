#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// The netlink side of an `InterfaceWatch`: reads the initial state with an RTM_GETLINK and an RTM_GETADDR dump,
/// then applies change notifications as they arrive. Used by one thread at a time: the creator for the first
/// dump, then the watch's reader thread only.
final class InterfaceReader: @unchecked Sendable {
    /// How long one dump may take before the read is given up.
    static let dumpTimeoutMilliseconds: Int32 = 2000
    /// A dump interrupted by lost messages is started again at most this many times.
    static let dumpAttempts = 3

    private let socket: NetlinkRouteSocket
    let logger: Logger
    private var tracker: InterfaceTracker
    private var buffer: [UInt8] = []
    private var sequence: UInt32 = 0
    private var malformedCount = 0

    init(name: String, socket: NetlinkRouteSocket, logger: Logger) {
        self.socket = socket
        self.logger = logger
        tracker = InterfaceTracker(name: name)
    }

    var state: InterfaceState { tracker.state }
    var descriptor: Int32 { socket.descriptor.raw }

    /// Reads the whole state again (at start, and after the kernel dropped notifications).
    func synchronize() throws(InterfaceWatchError) {
        for _ in 0..<Self.dumpAttempts {
            tracker.reset()
            if try dump(Netlink.getLink), try dump(Netlink.getAddress) { return }
        }
        throw .dumpFailed("netlink messages kept being lost during \(Self.dumpAttempts) dumps")
    }

    /// Reads what is waiting on the socket and applies it; returns the error when the socket itself failed.
    func readNotifications() -> SystemCallError? {
        do throws(NetlinkReceiveError) {
            switch try socket.receive(into: &buffer) {
            case .messages(let messages):
                messages.forEach { tracker.apply($0) }
            case .lost:
                logger.warning("netlink notifications were lost; reading the interface state again")
                do throws(InterfaceWatchError) { try synchronize() } catch { logger.error("\(error)") }
            case .nothing:
                break
            }
        } catch {
            switch error {
            case .malformed(let error):
                malformedCount += 1
                if malformedCount <= 3 { logger.warning("netlink: skipped \(error)") }
            case .system(let error):
                return error
            }
        }
        return nil
    }

    /// One dump; `false` when messages were lost and it must start again.
    private func dump(_ type: UInt16) throws(InterfaceWatchError) -> Bool {
        sequence &+= 1
        let expected = sequence
        do throws(SystemCallError) { try socket.requestDump(type, sequence: expected) } catch { throw .system(error) }
        let deadline = Posix.monotonicMilliseconds() + Int64(Self.dumpTimeoutMilliseconds)
        while true {
            let remaining = deadline - Posix.monotonicMilliseconds()
            guard remaining > 0 else { throw .dumpFailed("no answer to a netlink dump within 2 s") }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: remaining))
            if ready < 0, errno != EINTR { throw .system(.last("poll(AF_NETLINK)")) }
            guard ready > 0 else { continue }
            let received: NetlinkRouteSocket.Received
            do throws(NetlinkReceiveError) {
                received = try socket.receive(into: &buffer)
            } catch {
                switch error {
                case .malformed(let error): throw .dumpFailed("\(error)")
                case .system(let error): throw .system(error)
                }
            }
            switch received {
            case .lost:
                return false
            case .nothing:
                continue
            case .messages(let messages):
                for message in messages {
                    switch message {
                    case .done(let sequence) where sequence == expected:
                        return true
                    case .error(let code, let sequence) where sequence == expected && code != 0:
                        throw .system(SystemCallError("netlink dump", code: -code))
                    default:
                        tracker.apply(message)
                    }
                }
            }
        }
    }
}

/// Why an `InterfaceWatch` could not start.
public enum InterfaceWatchError: Error, Sendable, CustomStringConvertible {
    case system(SystemCallError)
    case dumpFailed(String)

    public var description: String {
        switch self {
        case .system(let error): "interface watch: \(error)"
        case .dumpFailed(let reason): "interface watch: \(reason)"
        }
    }
}
