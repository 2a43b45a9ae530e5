import NIOCore

/// Waits on a DNS exchange's channel for the datagram that answers `query`: same id and question. Other
/// datagrams are skipped (at most `maxIgnored`); a socket error (ECONNREFUSED: nothing listens) or the timeout
/// ends the wait. Lives on the channel's event loop; completes its promise exactly once.
final class DNSReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    static let maxIgnored = 16

    private let query: DNSQuery
    private let promise: EventLoopPromise<DNSResponse>
    private let timeout: TimeAmount
    private var ignored = 0
    private var lastMalformed: DNSMessageError?
    private var timer: Scheduled<Void>?
    private var done = false

    init(query: DNSQuery, promise: EventLoopPromise<DNSResponse>, timeout: TimeAmount) {
        self.query = query
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let handler = loopBound.value
            handler.finish(.failure(handler.lastMalformed.map(DNSFailure.malformedAnswer) ?? .timedOut))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        do {
            let response = try DNSResponse(parsing: bytes)
            if response.answers(query) { return finish(.success(response)) }
        } catch {
            lastMalformed = error
        }
        ignored += 1
        if ignored > Self.maxIgnored { finish(.failure(lastMalformed.map(DNSFailure.malformedAnswer) ?? .timedOut)) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let code = (error as? IOError)?.errnoCode ?? 0
        finish(.failure(.socket(SystemCallError("receive from the DNS server", code: code))))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(.timedOut))
    }

    private func finish(_ result: Result<DNSResponse, DNSFailure>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        switch result {
        case .success(let response): promise.succeed(response)
        case .failure(let failure): promise.fail(failure)
        }
    }
}
