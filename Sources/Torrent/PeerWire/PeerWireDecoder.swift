import NIOCore

/// What the wire decoder produces: first the peer's handshake, then messages.
public enum PeerWireFrame: Sendable, Equatable {
    case handshake(Handshake)
    case message(PeerMessage)
}

/// Splits the byte stream of a peer connection into a handshake and then length-prefixed messages (BEP 3).
///
/// Contract: every length is checked before a byte is buffered for it: a message longer than `maxMessageLength`,
/// or a fixed-size message with the wrong length, is a ``PeerWireError`` and the connection is closed. Piece
/// data and bitfields are slices of the receive buffer (no copy). Unknown message ids are skipped (BEP 3 says
/// to ignore them), not errors.
public struct PeerWireDecoder: ByteToMessageDecoder {
    public typealias InboundOut = PeerWireFrame

    private var awaitingHandshake: Bool
    private let maxMessageLength: Int

    /// - Parameters:
    ///   - expectHandshake: whether the stream starts with a handshake (it always does on a fresh connection).
    ///   - maxMessageLength: the largest accepted message, length prefix excluded.
    public init(expectHandshake: Bool = true, maxMessageLength: Int) {
        self.awaitingHandshake = expectHandshake
        self.maxMessageLength = maxMessageLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// The next whole frame at the front of `buffer`, consuming it; `nil` when more bytes are needed.
    public mutating func next(from buffer: inout ByteBuffer) throws(PeerWireError) -> PeerWireFrame? {
        if awaitingHandshake {
            if let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), Int(first) != Handshake.protocolName.count {
                throw PeerWireError(.notBitTorrent, "the peer does not speak the BitTorrent protocol")
            }
            guard var bytes = buffer.readSlice(length: Handshake.length) else { return nil }
            awaitingHandshake = false
            return .handshake(try Handshake.read(from: &bytes))
        }
        while true {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
            guard length <= maxMessageLength else {
                throw PeerWireError(.messageTooLarge, "a message of \(length) bytes is over the limit of \(maxMessageLength)")
            }
            guard buffer.readableBytes >= 4 + Int(length) else { return nil }
            buffer.moveReaderIndex(forwardBy: 4)
            guard length > 0 else { return .message(.keepAlive) }
            guard var body = buffer.readSlice(length: Int(length)) else { return nil }
            if let message = try Self.message(from: &body) { return .message(message) }
        }
    }

    /// Parses one message body (id + payload); `nil` for an unknown id, which is skipped.
    static func message(from body: inout ByteBuffer) throws(PeerWireError) -> PeerMessage? {
        // Lengths are checked before each read below, so the `?? 0` defaults are never taken.
        guard let rawID = body.readInteger(as: UInt8.self), let id = PeerMessage.ID(rawValue: rawID) else { return nil }
        let payload = body.readableBytes
        func expect(_ count: Int) throws(PeerWireError) {
            guard payload == count else {
                throw PeerWireError(.badLength, "message \(id) carries \(payload) bytes, expected \(count)")
            }
        }
        func index() -> Int { Int(body.readInteger(as: UInt32.self) ?? 0) }
        func block() -> BlockRequest { BlockRequest(piece: index(), begin: index(), length: index()) }
        switch id {
        case .choke: try expect(0); return .choke
        case .unchoke: try expect(0); return .unchoke
        case .interested: try expect(0); return .interested
        case .notInterested: try expect(0); return .notInterested
        case .haveAll: try expect(0); return .haveAll
        case .haveNone: try expect(0); return .haveNone
        case .have: try expect(4); return .have(piece: index())
        case .suggest: try expect(4); return .suggest(piece: index())
        case .allowedFast: try expect(4); return .allowedFast(piece: index())
        case .request: try expect(12); return .request(block())
        case .cancel: try expect(12); return .cancel(block())
        case .reject: try expect(12); return .reject(block())
        case .port: try expect(2); return .port(body.readInteger(as: UInt16.self) ?? 0)
        case .bitfield: return .bitfield(body)
        case .piece:
            guard payload >= 8 else { throw PeerWireError(.badLength, "a piece message of \(payload) bytes has no header") }
            let piece = index(), begin = index()
            return .piece(piece: piece, begin: begin, data: body)
        case .extended:
            guard payload >= 1 else { throw PeerWireError(.badLength, "an extended message without an id") }
            let extendedID = body.readInteger(as: UInt8.self) ?? 0
            return .extended(id: extendedID, payload: body)
        }
    }
}
