import Logging
import NIOCore

/// One peer: the channel handler that speaks the wire protocol and holds the per-peer state (choke and
/// interest flags, what the peer has, requests both ways, rates). Decisions — what to request, whom to
/// unchoke, what to do with a block — belong to the ``TorrentSession``; this class reports and executes.
///
/// Lives on the engine's event loop. An incoming connection has no session until the peer's handshake names a
/// torrent we serve.
final class PeerConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PeerWireFrame
    typealias OutboundOut = ByteBuffer

    let key: PeerKey
    let address: PeerAddress
    let isOutgoing: Bool
    private(set) var session: TorrentSession?
    private let directory: SessionDirectory
    private var context: ChannelHandlerContext?

    // What we know of the peer.
    var peerID: PeerID?
    var supportsFast = false
    var supportsExtensions = false
    var extensions = ExtensionHandshake()
    /// Pieces the peer has; `nil` until we know the piece count (magnet without metadata yet).
    var has: Bitfield?
    /// A bitfield or have-all that arrived before the metadata did.
    var earlyAvailability: EarlyAvailability = .none

    // Choke and interest (BEP 3).
    var amChoking = true
    var amInterested = false
    var peerChoking = true
    var peerInterested = false

    // Our requests to the peer.
    var outstanding: Set<BlockRequest> = []
    var depth: Int
    var latency = LatencyProbe()
    var lastBlockAt: NIODeadline = .now()
    var lastReceivedAt: NIODeadline = .now()
    var lastSentAt: NIODeadline = .now()
    // The peer's requests to us, and reads for them in flight.
    var peerRequests: [BlockRequest] = []
    var readsInFlight = 0
    var download = RateMeter()
    var upload = RateMeter()
    /// Pieces that failed their hash with blocks from this peer.
    var hashFailures = 0
    /// Blocks that arrived without a request (or for pieces we do not want).
    var unexpectedBlocks = 0
    /// Blocks we asked for that arrived: unexpected ones are weighed against these.
    var expectedBlocks = 0
    /// Requests we cancelled lately, oldest first: their blocks may still come (already on the wire), which is no
    /// fault of the peer. Bounded by ``maxRecentlyCancelled``; the oldest are forgotten first.
    var recentlyCancelled = Set<BlockRequest>()
    var cancelOrder: [BlockRequest] = []
    static let maxRecentlyCancelled = 1024

    /// Remembers a cancelled request (see ``recentlyCancelled``).
    func rememberCancelled(_ block: BlockRequest) {
        guard recentlyCancelled.insert(block).inserted else { return }
        cancelOrder.append(block)
        if cancelOrder.count > Self.maxRecentlyCancelled {
            let dropped = cancelOrder.count - Self.maxRecentlyCancelled / 2
            for old in cancelOrder.prefix(dropped) { recentlyCancelled.remove(old) }
            cancelOrder.removeFirst(dropped)
        }
    }
    /// Peers we told this one about over PEX and have not said dropped since.
    var pexSent = Set<PeerAddress>()
    /// Metadata pieces we asked this peer for (BEP 9).
    var metadataRequests: Set<Int> = []
    var connectedAt: NIODeadline = .now()
    private(set) var isClosed = false
    /// We closed it (a pause, a stop, a protocol breach), rather than the peer or the network.
    private(set) var closedLocally = false
    private var wasActive = false

    enum EarlyAvailability {
        case none
        case bitfield([UInt8])
        case all
    }

    init(key: PeerKey, address: PeerAddress, isOutgoing: Bool, session: TorrentSession?, directory: SessionDirectory, initialDepth: Int) {
        self.key = key
        self.address = address
        self.isOutgoing = isOutgoing
        self.session = session
        self.directory = directory
        self.depth = initialDepth
    }

    /// The address the peer accepts connections on: the one we dialled, or for an incoming peer its IP with the
    /// port from its extension handshake (its ephemeral port otherwise).
    var listenAddress: PeerAddress {
        guard !isOutgoing, let port = extensions.listenPort, let listening = PeerAddress(ip: address.ip, port: port) else {
            return address
        }
        return listening
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        wasActive = true
        connectedAt = .now()
        if isOutgoing, let session { sendHandshake(for: session) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        if wasActive { session?.peerClosed(self) }
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastReceivedAt = .now()
        switch unwrapInboundIn(data) {
        case .handshake(let handshake):
            received(handshake)
        case .message(let message):
            guard let session else { return close(reason: "a message before the handshake") }
            session.peer(self, sent: message)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session?.peerReadComplete(self)
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session?.peerWritable(self) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let wire = error as? PeerWireError {
            session?.peerMisbehaved(self, wire.message)
            close(reason: wire.message)
        } else {
            close(reason: "\(error)")
        }
    }

    // MARK: - Handshake

    private func received(_ handshake: Handshake) {
        if isOutgoing {
            guard let session, handshake.infoHash == session.infoHash else {
                return close(reason: "handshake for another torrent")
            }
        } else {
            guard let found = directory.session(for: handshake.infoHash), found.acceptsIncoming else {
                return close(reason: "handshake for a torrent we do not serve")
            }
            session = found
            directory.connectionCount += 1
            sendHandshake(for: found)
        }
        guard let session else { return }
        guard handshake.peerID != directory.peerID else { return session.connectedToOurselves(self) }
        peerID = handshake.peerID
        supportsFast = handshake.supportsFast
        supportsExtensions = handshake.supportsExtensions
        session.peerHandshaken(self)
    }

    private func sendHandshake(for session: TorrentSession) {
        var buffer = allocator.buffer(capacity: Handshake.length)
        Handshake(infoHash: session.infoHash, peerID: directory.peerID).write(into: &buffer)
        write(buffer)
        flush()
    }

    // MARK: - Sending

    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    func send(_ message: PeerMessage) {
        var buffer = allocator.buffer(capacity: 32)
        message.write(into: &buffer)
        write(buffer)
    }

    /// Writes a piece message without copying the block.
    func sendPiece(_ block: BlockRequest, data: ByteBuffer) {
        var header = allocator.buffer(capacity: 13)
        PeerMessage.writePieceHeader(piece: block.piece, begin: block.begin, length: data.readableBytes, into: &header)
        write(header)
        write(data)
        upload.add(data.readableBytes)
    }

    func write(_ buffer: ByteBuffer) {
        guard let context, !isClosed else { return }
        lastSentAt = .now()
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Turns socket reads on or off (back-pressure from the disk).
    func setReading(_ on: Bool) {
        guard let context, !isClosed else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: on).whenFailure { _ in }
    }

    func close(reason: String) {
        guard !isClosed, let context else { return }
        directory.logger.debug("closing peer", metadata: ["peer": "\(address)", "reason": "\(reason)"])
        isClosed = true
        closedLocally = true
        context.close(promise: nil)
    }
}
