import NIOCore
import NIOPosix
import Synchronization
@testable import Torrent

/// A misbehaving BitTorrent peer on a real loopback socket, for the hostile-input tests: no real client sends
/// corrupt blocks or oversized messages on purpose, so this one does. It answers the handshake for one torrent,
/// claims to have every piece, unchokes, and then behaves as `behaviour` says.
final class ScriptedPeer: Sendable {
    enum Behaviour: Sendable {
        /// Answers every request with the right length of wrong bytes.
        case corruptBlocks
        /// Never answers a request.
        case silent
        /// Sends a bitfield one byte too long instead of have-all.
        case wrongBitfield
        /// Announces a 2 GiB message.
        case oversizedMessage
    }

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let counters: Counters

    final class Counters: Sendable {
        let connections = Atomic<Int>(0)
        let closes = Atomic<Int>(0)
        let requests = Atomic<Int>(0)
    }

    var connections: Int { counters.connections.load(ordering: .relaxed) }
    var closes: Int { counters.closes.load(ordering: .relaxed) }
    var requests: Int { counters.requests.load(ordering: .relaxed) }

    init(behaviour: Behaviour, info: TorrentInfo) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counters = Counters()
        channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(PeerWireDecoder(maxMessageLength: 1 << 20)),
                        Handler(behaviour: behaviour, info: info, counters: counters),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.group = group
        self.counters = counters
        port = channel.localAddress?.port ?? 0
    }

    var address: PeerAddress { PeerAddress(text: "127.0.0.1:\(port)")! }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = PeerWireFrame
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        let info: TorrentInfo
        let counters: Counters

        init(behaviour: Behaviour, info: TorrentInfo, counters: Counters) {
            self.behaviour = behaviour
            self.info = info
            self.counters = counters
        }

        func channelActive(context: ChannelHandlerContext) {
            counters.connections.add(1, ordering: .relaxed)
        }

        func channelInactive(context: ChannelHandlerContext) {
            counters.closes.add(1, ordering: .relaxed)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var out = context.channel.allocator.buffer(capacity: 256)
            switch unwrapInboundIn(data) {
            case .handshake(let handshake):
                Handshake(infoHash: handshake.infoHash, peerID: .random()).write(into: &out)
                switch behaviour {
                case .wrongBitfield:
                    PeerMessage.bitfield(ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: (info.pieceCount + 7) / 8 + 1))).write(into: &out)
                case .oversizedMessage:
                    out.writeInteger(UInt32(0x7FFF_FFFF))
                    out.writeInteger(UInt8(7))
                default:
                    PeerMessage.haveAll.write(into: &out)
                    PeerMessage.unchoke.write(into: &out)
                }
            case .message(.request(let block)):
                counters.requests.add(1, ordering: .relaxed)
                guard case .corruptBlocks = behaviour else { break }
                PeerMessage.piece(piece: block.piece, begin: block.begin, data: ByteBuffer(bytes: [UInt8](repeating: 0xEE, count: block.length))).write(into: &out)
            default:
                break
            }
            if out.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(out), promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
