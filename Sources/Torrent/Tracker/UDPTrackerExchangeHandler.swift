import NIOCore

/// The channel handler of one UDP announce: sends one request at a time and completes it with the first
/// datagram from the tracker's address that carries the request's transaction id.
///
/// Contract: datagrams from other addresses, too short to carry a transaction id, with another id, or arriving
/// when no request waits are dropped (BEP 15: stale answers to earlier transmissions are ignored). A request
/// that gets no match within its timeout completes with `nil`, so the caller can retransmit. Closing the
/// channel fails a waiting request. Lives on the channel's event loop; no locks.
final class UDPTrackerExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private struct Pending {
        let transactionID: UInt32
        let promise: EventLoopPromise<[UInt8]?>
        let timeout: Scheduled<Void>
    }

    private let remote: SocketAddress
    private var context: ChannelHandlerContext?
    private var pending: Pending?

    init(remote: SocketAddress) {
        self.remote = remote
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(with: .failure(ChannelError.ioOnClosedChannel))
        self.context = nil
    }

    /// Sends `packet` and waits up to `timeout` for the answer with `transactionID`. One request at a time: a
    /// request still waiting is failed. Call on `eventLoop`, the channel's.
    func exchange(
        _ packet: [UInt8], transactionID: UInt32, timeout: TimeAmount, on eventLoop: any EventLoop
    ) -> EventLoopFuture<[UInt8]?> {
        guard let context else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        finish(with: .failure(ChannelError.inappropriateOperationForState))
        let promise = context.eventLoop.makePromise(of: [UInt8]?.self)
        let timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] () -> Void in
            self?.finish(with: .success(nil), transactionID: transactionID)
        }
        pending = Pending(transactionID: transactionID, promise: promise, timeout: timeoutTask)
        let buffer = context.channel.allocator.buffer(bytes: packet)
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: remote, data: buffer)), promise: nil)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let pending, envelope.remoteAddress == remote else { return }
        let bytes = Array(envelope.data.readableBytesView)
        guard UDPTrackerPacket.transactionID(of: bytes) == pending.transactionID else { return }
        finish(with: .success(bytes))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(with: .failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(with: .failure(error))
    }

    private func finish(with result: Result<[UInt8]?, any Error>, transactionID: UInt32? = nil) {
        guard let current = pending, transactionID == nil || transactionID == current.transactionID else { return }
        pending = nil
        current.timeout.cancel()
        current.promise.completeWith(result)
    }
}
