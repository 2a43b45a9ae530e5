import Logging
import NIOCore
import Synchronization
import Torrent

/// Keeps the daemon's LAN-facing listeners — the web UI, the API, streaming — from answering through the VPN.
///
/// `http.host` is normally every interface, so without this anyone on the VPN provider's side of the tunnel could
/// reach the login page (or, before setup, the open API). Two layers, both driven by the tunnel's
/// ``InterfaceWatch`` (its index and addresses change at run time: the interface is made again, addresses come
/// and go):
///
/// 1. **Arrival interface** (kernel): every attached listening socket carries an ``InterfacePacketFilter`` that
///    drops packets arriving on the tunnel interface, so a connection through the tunnel gets no answer at all —
///    not even a SYN-ACK — whichever local address it is for (the LAN address too). The filter is replaced
///    whenever the interface's index changes.
/// 2. **Local address** (at accept): a connection whose local address is one of the tunnel's addresses is reset
///    (``TunnelConnectionRefusal``, RST before any byte is read), however it arrived — also during the moment
///    between a listener opening and its filter being attached.
///
/// Without a watch (no VPN in charge) nothing is refused. The engine's own peer listener needs none of this: it is
/// bound to the tunnel interface and address and exists to be reached through the tunnel.
public final class TunnelListenerGuard: Sendable {
    private struct Shared {
        var watch: InterfaceWatch?
        /// The index the filters currently drop (0: none).
        var filteredIndex: Int32 = 0
        var listeners: [ObjectIdentifier: any Channel] = [:]
        var refused = 0
    }

    private let shared = Mutex(Shared())
    private let logger: Logger

    public init(logger: Logger = Logger(label: "rill.netguard.listener")) {
        self.logger = logger
    }

    /// Connections reset because their local address was a tunnel address.
    public var refusedConnections: Int { shared.withLock { $0.refused } }

    /// Follows `watch` (the VPN interface's) until its updates end; filters and address checks use it from now on.
    public func follow(_ watch: InterfaceWatch) {
        shared.withLock { $0.watch = watch }
        refilter(index: watch.state.index ?? 0)
        let updates = watch.updates()
        Task { [weak self] in
            for await state in updates {
                guard let self else { return }
                self.refilter(index: state.index ?? 0)
            }
        }
    }

    /// Puts the filter on a listening socket (the web server's, once it listens) and keeps it current until the
    /// channel closes.
    public func attach(listener channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let index = shared.withLock { shared in
            shared.listeners[id] = channel
            return shared.filteredIndex
        }
        apply(index, to: channel)
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.shared.withLock { $0.listeners.removeValue(forKey: id) }
        }
    }

    /// A handler for each accepted connection of a guarded listener; it resets connections to a tunnel address.
    public func makeConnectionHandler() -> TunnelConnectionRefusal { TunnelConnectionRefusal(guard: self) }

    /// Whether a connection whose local end is `localAddress` came in for one of the tunnel's addresses (IPv4
    /// connections to a dual-stack listener show as `::ffff:a.b.c.d`).
    public func refuses(localAddress: SocketAddress?) -> Bool {
        guard let text = localAddress?.ipAddress, let address = IPAddress(text: text) else { return false }
        guard let watch = shared.withLock({ $0.watch }) else { return false }
        let local = address.unmappedIPv4 ?? address
        return watch.state.addresses.contains { $0.network.address == local }
    }

    func noteRefused(_ localAddress: SocketAddress?, remote: SocketAddress?) {
        let count = shared.withLock { shared in
            shared.refused += 1
            return shared.refused
        }
        // Enough to notice, never a log flood from someone knocking on the tunnel address.
        if count <= 10 || count.isMultiple(of: 1000) {
            logger.warning("refused a connection through the VPN tunnel", metadata: [
                "local": "\(localAddress?.description ?? "?")", "remote": "\(remote?.description ?? "?")", "refused": "\(count)",
            ])
        }
    }

    private func refilter(index: Int32) {
        let listeners: [any Channel]? = shared.withLock { shared in
            guard shared.filteredIndex != index else { return nil }
            shared.filteredIndex = index
            return Array(shared.listeners.values)
        }
        guard let listeners else { return }
        for channel in listeners { apply(index, to: channel) }
    }

    private func apply(_ index: Int32, to channel: any Channel) {
        let logger = logger
        InterfacePacketFilter.attach(droppingInterface: index, to: channel).whenComplete { result in
            switch result {
            case .success: logger.debug("listener filter: dropping packets from interface #\(index)")
            case .failure(let error): logger.error("cannot filter the listener against the tunnel: \(error)")
            }
        }
    }
}

extension IPAddress {
    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else `nil`.
    var unmappedIPv4: IPAddress? {
        guard isIPv6, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return IPAddress(bytes: bytes[12..<16])
    }
}
