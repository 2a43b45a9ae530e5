import NIOCore

/// What every peer connection's channel gets, incoming or outgoing: buffer sizes, the wire decoder and the
/// peer's handler.
enum PeerChannel {
    /// Receive buffers grow to 64 KiB at most (a block is 16 KiB); writes pause the uploader above 256 KiB queued.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16 * 1024, maximum: 64 * 1024)
    static let writeWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 64 * 1024, high: 256 * 1024)

    /// Adds the decoder and `peer` to a new channel's pipeline (on its event loop).
    static func install(_ peer: PeerConnection, on channel: any Channel, maxMessageLength: Int) throws {
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(PeerWireDecoder(maxMessageLength: maxMessageLength)),
            peer,
        ])
    }
}
