import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Raised into the request body stream when a client takes longer than the request timeout to send its body; the
/// route fails with it and `JSONErrorMiddleware` answers 408.
public struct RequestTimedOut: Error, Sendable {
    public let seconds: Int
}

/// Per-connection guard between the HTTP codec and Hummingbird that keeps slow or oversized requests from holding
/// memory or connections:
///
/// - header fields over the decoder's limit (`http.max_header_bytes`) are answered with 431, other parse errors
///   with 400, both in the JSON error shape, and the connection is closed;
/// - a request must arrive completely within `http.request_timeout_seconds` of the connection opening or of the
///   previous response ending. While the head is missing the handler answers 408 itself and closes; once the head
///   is in, the route owns the response, so the handler raises `RequestTimedOut` into the body stream (the route
///   answers 408) and closes the connection shortly after in case the route never reads its body.
/// - a `POST` to one of `longUploadPaths` (an OTA bundle, hundreds of MiB over a slow link) may take as long as it
///   keeps sending: once its head is in, the timeout counts from the last body bytes instead (an idle timeout).
final class HTTPLimitsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maxHeaderBytes: Int
    private let timeout: TimeAmount
    private let timeoutSeconds: Int
    private var timer: Scheduled<Void>?
    private var headReceived = false
    private var responding = false
    /// The request being received is a long upload: the timeout is an idle timeout.
    private var idleTimeout = false
    /// The response being written says `Connection: close` (a refused upload whose body is still coming).
    private var closeAfterResponse = false
    private var lastBodyAt = NIODeadline.now()

    /// Paths whose request bodies are long streamed uploads.
    static let longUploadPaths: Set<Substring> = [Substring(UpdateRoutes.path)]

    init(maxHeaderBytes: Int, requestTimeoutSeconds: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.timeoutSeconds = requestTimeoutSeconds
        self.timeout = .seconds(Int64(requestTimeoutSeconds))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            headReceived = true
            if head.method == .post, let path = head.path?.split(separator: "?", maxSplits: 1).first,
               Self.longUploadPaths.contains(path) {
                idleTimeout = true
                lastBodyAt = .now()
            }
        case .body:
            if idleTimeout { lastBodyAt = .now() }
        case .end:
            idleTimeout = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational:
            responding = true
            closeAfterResponse = head.headerFields[.connection]?.lowercased() == "close"
        case .head, .body: break
        case .end:
            responding = false
            headReceived = false
            arm(context: context)
            if closeAfterResponse {
                // Nothing more is read from this connection: the rest of a refused upload is not drained.
                let channel = context.channel
                let written = promise ?? context.eventLoop.makePromise()
                context.write(data, promise: written)
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
                return
            }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        disarm()
        if responding {
            context.close(promise: nil)
            return
        }
        let answer = parseError == .headerOverflow
            ? APIError.headersTooLarge(limit: maxHeaderBytes)
            : APIError.badRequest("the request is not valid HTTP/1.1")
        respondAndClose(answer, context: context)
    }

    private func arm(context: ChannelHandlerContext, in delay: TimeAmount? = nil) {
        disarm()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay ?? timeout) {
            let (handler, context) = loopBound.value
            handler.timedOut(context: context)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func timedOut(context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive else { return }
        if idleTimeout {
            let quietFor = NIODeadline.now() - lastBodyAt
            if quietFor < timeout {
                arm(context: context, in: timeout - quietFor)
                return
            }
        }
        if !headReceived, !responding {
            respondAndClose(.requestTimeout(seconds: timeoutSeconds), context: context)
            return
        }
        context.fireErrorCaught(RequestTimedOut(seconds: timeoutSeconds))
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    private func respondAndClose(_ error: APIError, context: ChannelHandlerContext) {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.connection] = "close"
        let body = ByteBuffer(string: error.json)
        fields[.contentLength] = String(body.readableBytes)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: error.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
