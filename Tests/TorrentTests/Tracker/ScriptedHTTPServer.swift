import NIOCore
import NIOPosix
import Synchronization

/// A real HTTP/1.1 listener on 127.0.0.1 that answers each request with whatever bytes the test scripts:
/// garbage, oversized bodies, redirects, or nothing at all. It records every request target it receives.
final class ScriptedHTTPServer: Sendable {
    /// What to do with one request: bytes to send before closing, or `nil` to hold the connection open silently.
    typealias Script = @Sendable (_ target: String, _ index: Int) -> [UInt8]?

    let port: Int
    private let channel: any Channel
    private let log: RequestLog

    /// Request targets (path and query) in arrival order.
    var targets: [String] { log.targets }
    /// Arrival times, for back-off checks.
    var times: [ContinuousClock.Instant] { log.times }

    init(_ script: @escaping Script) async throws {
        let log = RequestLog()
        self.log = log
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ScriptedHTTPHandler(script: script, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = channel.localAddress?.port ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)/announce" }

    func stop() async {
        try? await channel.close()
    }

    /// A complete response with `Content-Length`.
    static func response(_ status: Int, _ body: [UInt8], headers: [String] = []) -> [UInt8] {
        var head = "HTTP/1.1 \(status) Scripted\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for header in headers { head += header + "\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    static func response(_ status: Int, _ body: String, headers: [String] = []) -> [UInt8] {
        response(status, Array(body.utf8), headers: headers)
    }
}

final class RequestLog: Sendable {
    private let storage = Mutex<[(String, ContinuousClock.Instant)]>([])

    func append(_ target: String) -> Int {
        storage.withLock {
            $0.append((target, .now))
            return $0.count - 1
        }
    }

    var targets: [String] { storage.withLock { $0.map(\.0) } }
    var times: [ContinuousClock.Instant] { storage.withLock { $0.map(\.1) } }
}

private final class ScriptedHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let script: ScriptedHTTPServer.Script
    let log: RequestLog
    var received: [UInt8] = []
    var answered = false

    init(script: @escaping ScriptedHTTPServer.Script, log: RequestLog) {
        self.script = script
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        received += Array(unwrapInboundIn(data).readableBytesView)
        guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else {
            if received.count > 65536 { context.close(promise: nil) }
            return
        }
        answered = true
        let requestLine = String(decoding: received[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = requestLine.split(separator: " ")
        let target = parts.count >= 2 ? String(parts[1]) : ""
        let index = log.append(target)
        guard let reply = script(target, index) else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: reply))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
