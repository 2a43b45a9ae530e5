import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The engine's listening socket for incoming peers: opened by `Engine.listen()`, closed while the engine is
/// offline and opened again, on the same port, when it comes back online.
///
/// Contract: the socket obeys the binding it is opened with (``PeerSocketBinding``: `SO_BINDTODEVICE` and the
/// source address; it is not opened at all when either fails). Accepted connections are refused while the
/// engine is offline or has no room. Open and close are called from one task at a time (`listen()` and
/// `setNetwork`, which the daemon runs one after the other).
final class PeerListener: Sendable {
    private struct State {
        var channel: (any Channel)?
        /// `listen()` was called: the listener should be open whenever the engine is online.
        var wanted = false
        /// The port the first open got (the configured one, or the kernel's choice for 0), reused on reopen so
        /// trackers and peers keep finding us.
        var port: Int?
    }

    private let group: any EventLoopGroup
    private let loop: any EventLoop
    private let directory: NIOLoopBoundBox<SessionDirectory>
    private let configuration: EngineConfiguration
    private let state = Mutex(State())

    init(
        group: any EventLoopGroup, loop: any EventLoop, directory: NIOLoopBoundBox<SessionDirectory>,
        configuration: EngineConfiguration
    ) {
        self.group = group
        self.loop = loop
        self.directory = directory
        self.configuration = configuration
    }

    var isWanted: Bool { state.withLock { $0.wanted } }

    /// The port of the open socket, or `nil` while closed.
    var boundPort: Int? { state.withLock { $0.channel?.localAddress?.port } }

    /// Records that the listener should open as soon as the engine is online.
    func markWanted() { state.withLock { $0.wanted = true } }

    /// Marks the listener wanted and opens it with `binding`; returns the port.
    func open(binding: NetworkBinding) async throws -> Int {
        let port = state.withLock { state in
            state.wanted = true
            return state.port ?? configuration.listenPort
        }
        if let existing = state.withLock({ $0.channel }), let bound = existing.localAddress?.port { return bound }
        let channel = try await bootstrap(binding: binding)
            .bind(host: Self.host(for: binding) ?? configuration.listenHost, port: port)
            .get()
        let bound = channel.localAddress?.port ?? port
        state.withLock { state in
            state.channel = channel
            state.port = bound
        }
        let directory = directory
        try await loop.submit { directory.value.listenPort = bound }.get()
        return bound
    }

    /// Closes the socket (if open); `forget` also clears `wanted` (engine shutdown).
    func close(forget: Bool = false) async {
        let channel = state.withLock { state in
            defer {
                state.channel = nil
                if forget { state.wanted = false }
            }
            return state.channel
        }
        try? await channel?.close()
    }

    /// The address to listen on: the binding's source address; with an interface that has IPv6 besides it, the
    /// dual-stack wildcard `::`, which `SO_BINDTODEVICE` confines to the interface (so IPv6 peers reach us too).
    static func host(for binding: NetworkBinding) -> String? {
        if binding.interfaceName != nil, binding.allowsIPv6, binding.ipv6SourceAddress != nil,
           binding.sourceAddress.map({ !$0.contains(":") }) ?? false {
            return "::"
        }
        return binding.sourceAddress
    }

    private func bootstrap(binding: NetworkBinding) -> ServerBootstrap {
        let directory = directory
        let configuration = configuration
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in PeerSocketBinding.bindToDevice(binding, channel: channel) }
            .childChannelOption(.recvAllocator, value: PeerChannel.receiveAllocator)
            .childChannelOption(.writeBufferWaterMark, value: PeerChannel.writeWaterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let directory = directory.value
                    guard directory.network.isOnline else {
                        throw PeerWireError(.protocolViolation, "the engine is offline")
                    }
                    guard directory.hasConnectionRoom, let remote = channel.remoteAddress,
                          let address = PeerAddress(socketAddress: remote) else {
                        throw PeerWireError(.protocolViolation, "no room for another connection")
                    }
                    let peer = PeerConnection(
                        key: directory.makeKey(), address: address, isOutgoing: false, session: nil,
                        directory: directory, initialDepth: TorrentSession.initialDepth
                    )
                    try PeerChannel.install(peer, on: channel, maxMessageLength: configuration.maxMessageLength)
                }
            }
    }
}
