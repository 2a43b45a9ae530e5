import NIOCore
import NIOPosix
import Synchronization
@testable import Torrent

/// A real UDP listener that speaks as much BEP 15 as a test scripts: well-formed answers with any peers,
/// garbage, truncated answers, error actions, stale transaction ids, or silence.
final class ScriptedUDPTracker: Sendable {
    /// One request as the tracker saw it.
    struct Request: Sendable {
        let action: UInt32
        let transactionID: UInt32
        let connectionID: UInt64
        let bytes: [UInt8]
        /// How many requests came before this one.
        let index: Int
    }

    /// The datagrams to answer `request` with (none for silence).
    typealias Script = @Sendable (Request) -> [[UInt8]]

    let port: Int
    let host: String
    private let channel: any Channel
    private let seen: UDPRequestLog

    var requests: [Request] { seen.all }
    var connectCount: Int { requests.filter { $0.action == 0 }.count }
    var url: String { host.contains(":") ? "udp://[\(host)]:\(port)/announce" : "udp://\(host):\(port)/announce" }

    init(host: String = "127.0.0.1", _ script: @escaping Script) async throws {
        let seen = UDPRequestLog()
        self.host = host
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedUDPHandler(script: script) { bytes in
                        seen.storage.withLock { all in
                            let request = Request(
                                action: bytes.count >= 12 ? read32(bytes, 8) : .max,
                                transactionID: bytes.count >= 16 ? read32(bytes, 12) : 0,
                                connectionID: bytes.count >= 8 ? UInt64(read32(bytes, 0)) << 32 | UInt64(read32(bytes, 4)) : 0,
                                bytes: bytes,
                                index: all.count
                            )
                            all.append(request)
                            return request
                        }
                    })
                }
            }
            .bind(host: host, port: 0)
            .get()
        self.seen = seen
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.close()
    }

    // MARK: - Answers

    static func connectAnswer(_ request: Request, connectionID: UInt64 = 0x1122_3344_5566_7788) -> [UInt8] {
        be32(0) + be32(request.transactionID) + be64(connectionID)
    }

    static func announceAnswer(_ request: Request, interval: UInt32 = 1800, leechers: UInt32 = 1, seeders: UInt32 = 2, peers: [PeerAddress]) -> [UInt8] {
        be32(1) + be32(request.transactionID) + be32(interval) + be32(leechers) + be32(seeders) + peers.flatMap(\.compact)
    }

    static func errorAnswer(_ request: Request, _ message: String) -> [UInt8] {
        be32(3) + be32(request.transactionID) + Array(message.utf8)
    }

    /// A well-behaved tracker handing out `peers`.
    static func wellBehaved(peers: [PeerAddress]) -> Script {
        { request in
            switch request.action {
            case 0: [connectAnswer(request)]
            case 1: [announceAnswer(request, peers: peers)]
            default: []
            }
        }
    }
}

final class UDPRequestLog: Sendable {
    let storage = Mutex<[ScriptedUDPTracker.Request]>([])
    var all: [ScriptedUDPTracker.Request] { storage.withLock { $0 } }
}

/// In a BEP 15 request, the action is at byte 8 and the transaction id at byte 12.
private func read32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
}


private final class ScriptedUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let script: ScriptedUDPTracker.Script
    let record: @Sendable ([UInt8]) -> ScriptedUDPTracker.Request

    init(script: @escaping ScriptedUDPTracker.Script, record: @escaping @Sendable ([UInt8]) -> ScriptedUDPTracker.Request) {
        self.script = script
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let request = record(Array(envelope.data.readableBytesView))
        for reply in script(request) {
            let buffer = context.channel.allocator.buffer(bytes: reply)
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        }
        context.flush()
    }
}
