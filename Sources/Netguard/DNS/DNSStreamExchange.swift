#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore
import NIOPosix

/// One question to one server over TCP (RFC 1035 §4.2.2, RFC 7766): what a look-up does when the UDP answer came
/// back truncated. The connection is made like every engine socket — bound to the VPN interface
/// (`SO_BINDTODEVICE`, set before connecting) and its address — by a NIO event loop, so waiting holds no
/// thread. One query, one length-prefixed answer (at most 65 535 bytes, the most a 16-bit length can say),
/// within `timeout` for connecting and answering together; then the connection is closed.
struct DNSStreamExchange: Sendable {
    let interfaceName: String?
    /// The source address (its family matches the server's), or `nil` for the interface's choice.
    let sourceAddress: IPAddress?
    let group: any EventLoopGroup

    func ask(_ query: DNSQuery, server: DNSServer, timeout: Duration) async throws(DNSFailure) -> DNSResponse {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSResponse.self)
        let interfaceName = interfaceName
        let wait = TimeAmount.nanoseconds(timeout.nanoseconds)
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(wait)
            .channelInitializer { channel in
                Self.bindToDevice(interfaceName, channel: channel).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(DNSStreamReplyHandler(query: query, promise: promise, timeout: wait))
                }
            }
        let remote: SocketAddress
        do {
            remote = try SocketAddress(packedIPAddress: ByteBuffer(bytes: server.address.bytes), port: Int(server.port))
            if let sourceAddress {
                bootstrap = bootstrap.bind(to: try SocketAddress(packedIPAddress: ByteBuffer(bytes: sourceAddress.bytes), port: 0))
            }
        } catch {
            promise.fail(DNSFailure.invalidName)
            throw .socket(SystemCallError("DNS over TCP to \(server): bad address", code: EINVAL))
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: remote).get()
        } catch {
            let failure = Self.failure(error, server: server)
            promise.fail(failure)
            throw failure
        }
        defer { channel.close(promise: nil) }
        var frame = ByteBuffer()
        frame.writeInteger(UInt16(query.bytes.count))
        frame.writeBytes(query.bytes)
        do {
            try await channel.writeAndFlush(frame).get()
        } catch {
            promise.fail(DNSFailure.timedOut)
            throw .socket(SystemCallError("send to \(server) over TCP", code: (error as? IOError)?.errnoCode ?? 0))
        }
        do {
            return try await promise.futureResult.get()
        } catch let failure as DNSFailure {
            throw failure
        } catch {
            throw .timedOut
        }
    }

    /// Errors that mean the interface or its address is gone end the whole look-up (as over UDP).
    static func failure(_ error: any Error, server: DNSServer) -> DNSFailure {
        if case ChannelError.connectTimeout = error { return .timedOut }
        if let error = error as? DNSFailure { return error }
        let code = (error as? IOError)?.errnoCode ?? (error as? NIOConnectionError)?.connectionErrors.first.flatMap {
            ($0.error as? IOError)?.errnoCode
        } ?? 0
        let call = SystemCallError("DNS over TCP to \(server)", code: code)
        switch code {
        case ENODEV, EADDRNOTAVAIL, ENETUNREACH, EPERM: return .interfaceUnavailable(call)
        case ETIMEDOUT: return .timedOut
        default: return .socket(call)
        }
    }

    /// `SO_BINDTODEVICE` on the channel's socket before it connects; fails (and so never connects) when the
    /// interface is missing.
    static func bindToDevice(_ name: String?, channel: any Channel) -> EventLoopFuture<Void> {
        guard let name else { return channel.eventLoop.makeSucceededVoidFuture() }
        let bytes = Array(name.utf8)
        guard let provider = channel as? any SocketOptionProvider, !bytes.isEmpty, bytes.count < 16 else {
            return channel.eventLoop.makeFailedFuture(DNSFailure.interfaceUnavailable(SystemCallError("SO_BINDTODEVICE \(name)", code: ENODEV)))
        }
        var value = InlineArray<16, UInt8>(repeating: 0)
        for (index, byte) in bytes.enumerated() { value[index] = byte }
        return provider.unsafeSetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_BINDTODEVICE), value: value)
            .flatMapErrorThrowing { error in
                throw DNSFailure.interfaceUnavailable(SystemCallError("SO_BINDTODEVICE \(name)", code: (error as? IOError)?.errnoCode ?? ENODEV))
            }
    }
}

/// Reads the one length-prefixed answer of a TCP exchange: the two length bytes, then that many bytes (the
/// buffer never holds more than 2 + 65 535), parsed as the answer to `query`. A different answer, a short one (the
/// server closed early), a socket error or the timeout fail the exchange. Completes its promise exactly once.
final class DNSStreamReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let query: DNSQuery
    private let promise: EventLoopPromise<DNSResponse>
    private let timeout: TimeAmount
    private var buffer = ByteBuffer()
    private var timer: Scheduled<Void>?
    private var done = false

    init(query: DNSQuery, promise: EventLoopPromise<DNSResponse>, timeout: TimeAmount) {
        self.query = query
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.finish(.failure(.timedOut)) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var incoming = unwrapInboundIn(data)
        // Keep at most the prefix and the longest answer a prefix can announce; anything after it is not read.
        let wanted = (buffer.readableBytes >= 2 ? Int(buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) ?? 0) : Int(UInt16.max)) + 2
        if let slice = incoming.readSlice(length: min(incoming.readableBytes, max(0, wanted - buffer.readableBytes))) {
            var slice = slice
            buffer.writeBuffer(&slice)
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length),
              let message = buffer.getBytes(at: buffer.readerIndex + 2, length: Int(length)) else { return }
        do {
            let response = try DNSResponse(parsing: message)
            guard response.answers(query) else {
                return finish(.failure(.malformedAnswer(DNSMessageError(offset: 0, reason: "the TCP answer is for another question"))))
            }
            finish(.success(response))
        } catch {
            finish(.failure(.malformedAnswer(error)))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(.socket(SystemCallError("receive from the DNS server over TCP", code: (error as? IOError)?.errnoCode ?? 0))))
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = buffer.readableBytes == 0 ? "the server closed the connection without answering"
            : "the server closed the connection after \(buffer.readableBytes) of the answer's bytes"
        finish(.failure(.malformedAnswer(DNSMessageError(offset: buffer.readableBytes, reason: reason))))
    }

    private func finish(_ result: Result<DNSResponse, DNSFailure>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        buffer = ByteBuffer()
        switch result {
        case .success(let response): promise.succeed(response)
        case .failure(let failure): promise.fail(failure)
        }
    }
}
