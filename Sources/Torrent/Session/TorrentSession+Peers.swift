import Logging
import NIOCore
import NIOPosix

/// Finding, dialling, admitting and dropping peers.
extension TorrentSession {
    /// Remembers candidate addresses (from trackers, PEX, magnet `x.pe`, the command line), bounded.
    func addPeers(_ addresses: [PeerAddress]) {
        for address in addresses where knownPeers.count < configuration.maxKnownPeers {
            guard address.port != 0, configuration.binding.allowsIPv6 || address.isIPv4 else { continue }
            knownPeers.insert(address)
        }
        connectMore()
    }

    /// Dials known peers while there is room for more connections.
    func connectMore() {
        guard !isStopped, state != .paused, state != .failed, state != .checking else { return }
        guard let binding = directory.network.binding else { return }  // offline: dial nobody
        // Seeding, we dial too: some clients (transmission) never dial a loopback or LAN peer themselves. A
        // connection between two seeds is closed as soon as both bitfields are known.
        let now = NIODeadline.now()
        let connected = Set(peers.values.map(\.address))
        for address in knownPeers {
            guard peers.count + connecting.count < configuration.maxPeersPerTorrent,
                  connecting.count < configuration.maxHalfOpen,
                  directory.hasConnectionRoom else { return }
            guard !connecting.contains(address), !connected.contains(address), !banned.contains(address) else { continue }
            if let until = blocked[address], until > now { continue }
            dial(address, binding: binding)
        }
    }

    /// Connects to `address` with the engine's binding applied to the socket before it connects
    /// (``PeerSocketBinding``: the dial fails rather than leave unbound).
    private func dial(_ address: PeerAddress, binding: NetworkBinding) {
        let socketAddress: SocketAddress
        let localAddress: SocketAddress?
        do {
            socketAddress = try SocketAddress(ipAddress: address.host, port: Int(address.port))
            localAddress = try PeerSocketBinding.localAddress(for: address, binding: binding)
        } catch {
            knownPeers.remove(address)
            return
        }
        connecting.insert(address)
        directory.connectionCount += 1
        let key = directory.makeKey()
        let bound = NIOLoopBound(self, eventLoop: loop)
        let configuration = configuration
        let initialDepth = Self.initialDepth
        var bootstrap = ClientBootstrap(group: loop)
        if let localAddress { bootstrap = bootstrap.bind(to: localAddress) }
        bootstrap
            .connectTimeout(.seconds(Int64(configuration.connectTimeoutSeconds)))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: PeerChannel.receiveAllocator)
            .channelOption(.writeBufferWaterMark, value: PeerChannel.writeWaterMark)
            .channelInitializer { channel in
                PeerSocketBinding.bindToDevice(binding, channel: channel).flatMapThrowing {
                    let session = bound.value
                    let peer = PeerConnection(
                        key: key, address: address, isOutgoing: true, session: session,
                        directory: session.directory, initialDepth: initialDepth
                    )
                    try PeerChannel.install(peer, on: channel, maxMessageLength: configuration.maxMessageLength)
                }
            }
            .connect(to: socketAddress)
            .assumeIsolated()
            .whenComplete { [self] result in
                connecting.remove(address)
                switch result {
                case .failure(let error):
                    directory.connectionCount -= 1
                    if error is PeerBindingError { logger.debug("peer socket not bound", metadata: ["reason": "\(error)"]) }
                    block(address, for: .seconds(60))
                case .success(let channel) where directory.network.binding != binding:
                    channel.close(promise: nil)  // the network changed while connecting
                case .success:
                    break
                }
            }
    }

    /// The peer's handshake matched this torrent: admit it and say what we have.
    func peerHandshaken(_ peer: PeerConnection) {
        guard !banned.contains(peer.listenAddress), peers.count < configuration.maxPeersPerTorrent, !isStopped,
              directory.network.isOnline else {
            return peer.close(reason: "no room or banned")
        }
        if peers.values.contains(where: { $0.peerID == peer.peerID }) {
            return peer.close(reason: "already connected to this peer id")
        }
        peers[peer.key] = peer
        peer.lastBlockAt = .now()
        if peer.supportsExtensions { sendExtensionHandshake(to: peer) }
        sendAvailability(to: peer)
        peer.flush()
    }

    private func sendExtensionHandshake(to peer: PeerConnection) {
        var handshake = ExtensionHandshake()
        handshake.extensions = ExtensionHandshake.localIDs
        if info?.isPrivate == true { handshake.extensions[ExtensionHandshake.pexExtension] = nil }
        handshake.metadataSize = info?.rawBytes.count
        handshake.listenPort = directory.listenPort > 0 ? UInt16(directory.listenPort) : nil
        handshake.requestQueueLength = configuration.maxPeerRequests
        handshake.client = configuration.clientName
        var payload = peer.allocator.buffer(capacity: 128)
        payload.writeBytes(handshake.encode())
        peer.send(.extended(id: 0, payload: payload))
    }

    private func sendAvailability(to peer: PeerConnection) {
        guard let picker else {
            if peer.supportsFast { peer.send(.haveNone) }
            return
        }
        if peer.supportsFast, picker.have.isFull {
            peer.send(.haveAll)
        } else if peer.supportsFast, picker.have.isEmpty {
            peer.send(.haveNone)
        } else if !picker.have.isEmpty {
            var bits = peer.allocator.buffer(capacity: (picker.pieceCount + 7) / 8)
            bits.writeBytes(picker.have.wireBytes)
            peer.send(.bitfield(bits))
        }
    }

    /// The connection ended: its requests go back to the picker, its pieces out of the availability counts.
    func peerClosed(_ peer: PeerConnection) {
        directory.connectionCount -= 1  // counted at dial (outgoing) or when the handshake found us (incoming)
        // A peer that hung up on us is not dialled again for a while; one we closed ourselves (a pause, a stop)
        // is: after a resume it must come back at once.
        if peer.isOutgoing, !peer.closedLocally, (blocked[peer.address] ?? .now()) <= .now() {
            block(peer.address, for: .seconds(30))
        }
        guard peers.removeValue(forKey: peer.key) != nil else { return }
        returnRequests(of: peer)
        if let has = peer.has { picker?.peerGone(with: has) }
        peer.peerRequests.removeAll()
        if optimisticPeer == peer.key { optimisticPeer = nil }
        connectMore()
    }

    /// A tracker handed us our own address: never dial it again.
    func connectedToOurselves(_ peer: PeerConnection) {
        if peer.isOutgoing, banned.count < configuration.maxKnownPeers { banned.insert(peer.address) }
        peer.close(reason: "connected to ourselves")
    }

    /// The peer broke the protocol: disconnected, and not dialled again for a while.
    func peerMisbehaved(_ peer: PeerConnection, _ reason: String) {
        logger.info("peer broke the protocol", metadata: ["peer": "\(peer.address)", "reason": "\(reason)"])
        block(peer.listenAddress, for: .seconds(600))
        peer.close(reason: reason)
    }

    /// Keeps `address` from being dialled for `duration`. At most `maxKnownPeers` addresses are blocked at once
    /// (expired ones are dropped every minute), so incoming troublemakers cannot grow the list without end.
    func block(_ address: PeerAddress, for duration: TimeAmount) {
        guard blocked[address] != nil || blocked.count < configuration.maxKnownPeers else { return }
        blocked[address] = .now() + duration
    }

    /// The peer sent data that failed the hash check: never again, for this torrent. Banned by the address it
    /// listens on (not the bare IP: many peers share one behind NAT).
    func ban(_ peer: PeerConnection, reason: String) {
        logger.info("banning peer", metadata: ["peer": "\(peer.listenAddress)", "reason": "\(reason)"])
        if banned.count < configuration.maxKnownPeers { banned.insert(peer.listenAddress) }
        knownPeers.remove(peer.listenAddress)
        peer.close(reason: reason)
    }

    /// Hands every outstanding request of `peer` back to the picker.
    func returnRequests(of peer: PeerConnection) {
        for block in peer.outstanding { picker?.returned(block) }
        peer.outstanding.removeAll()
        peer.latency.withdrawAll()
    }
}
