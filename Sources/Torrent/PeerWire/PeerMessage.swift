import NIOCore

/// A block of a piece: BEP 3 addresses data by piece index, byte offset in the piece and length.
public struct BlockRequest: Hashable, Sendable, CustomStringConvertible {
    public var piece: Int
    public var begin: Int
    public var length: Int

    public init(piece: Int, begin: Int, length: Int) {
        self.piece = piece
        self.begin = begin
        self.length = length
    }

    public var description: String { "piece \(piece) +\(begin) (\(length) B)" }

    /// The standard block size every client requests and serves.
    public static let standardLength = 16 * 1024
}

/// One peer wire message after the handshake (BEP 3, BEP 6 fast extension, BEP 10 extension protocol).
/// Piece data and bitfields stay in the `ByteBuffer` they arrived in: no copy on the receive path.
public enum PeerMessage: Sendable, Equatable {
    case keepAlive
    case choke
    case unchoke
    case interested
    case notInterested
    case have(piece: Int)
    case bitfield(ByteBuffer)
    case request(BlockRequest)
    case piece(piece: Int, begin: Int, data: ByteBuffer)
    case cancel(BlockRequest)
    /// BEP 5 DHT port; read and ignored until DHT exists.
    case port(UInt16)
    case suggest(piece: Int)
    case haveAll
    case haveNone
    case reject(BlockRequest)
    case allowedFast(piece: Int)
    /// BEP 10: extended message id (0 = extension handshake) and its payload.
    case extended(id: UInt8, payload: ByteBuffer)

    enum ID: UInt8 {
        case choke = 0, unchoke = 1, interested = 2, notInterested = 3, have = 4, bitfield = 5
        case request = 6, piece = 7, cancel = 8, port = 9
        case suggest = 0x0D, haveAll = 0x0E, haveNone = 0x0F, reject = 0x10, allowedFast = 0x11
        case extended = 20
    }

    /// Writes the length-prefixed message. For `.piece` this copies the data: use ``writePieceHeader`` and
    /// write the data buffer separately on the hot path.
    public func write(into buffer: inout ByteBuffer) {
        switch self {
        case .keepAlive: buffer.writeInteger(UInt32(0))
        case .choke: Self.writeBare(.choke, into: &buffer)
        case .unchoke: Self.writeBare(.unchoke, into: &buffer)
        case .interested: Self.writeBare(.interested, into: &buffer)
        case .notInterested: Self.writeBare(.notInterested, into: &buffer)
        case .haveAll: Self.writeBare(.haveAll, into: &buffer)
        case .haveNone: Self.writeBare(.haveNone, into: &buffer)
        case .have(let piece): Self.writeIndexed(.have, piece, into: &buffer)
        case .suggest(let piece): Self.writeIndexed(.suggest, piece, into: &buffer)
        case .allowedFast(let piece): Self.writeIndexed(.allowedFast, piece, into: &buffer)
        case .bitfield(let bits):
            buffer.writeInteger(UInt32(1 + bits.readableBytes))
            buffer.writeInteger(ID.bitfield.rawValue)
            buffer.writeImmutableBuffer(bits)
        case .request(let block): Self.writeBlock(.request, block, into: &buffer)
        case .cancel(let block): Self.writeBlock(.cancel, block, into: &buffer)
        case .reject(let block): Self.writeBlock(.reject, block, into: &buffer)
        case .piece(let piece, let begin, let data):
            Self.writePieceHeader(piece: piece, begin: begin, length: data.readableBytes, into: &buffer)
            buffer.writeImmutableBuffer(data)
        case .port(let port):
            buffer.writeInteger(UInt32(3))
            buffer.writeInteger(ID.port.rawValue)
            buffer.writeInteger(port)
        case .extended(let id, let payload):
            buffer.writeInteger(UInt32(2 + payload.readableBytes))
            buffer.writeInteger(ID.extended.rawValue)
            buffer.writeInteger(id)
            buffer.writeImmutableBuffer(payload)
        }
    }

    /// The 13-byte header of a piece message whose `length` data bytes follow.
    public static func writePieceHeader(piece: Int, begin: Int, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(9 + length))
        buffer.writeInteger(ID.piece.rawValue)
        buffer.writeInteger(UInt32(piece))
        buffer.writeInteger(UInt32(begin))
    }

    private static func writeBare(_ id: ID, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(1))
        buffer.writeInteger(id.rawValue)
    }

    private static func writeIndexed(_ id: ID, _ piece: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(5))
        buffer.writeInteger(id.rawValue)
        buffer.writeInteger(UInt32(piece))
    }

    private static func writeBlock(_ id: ID, _ block: BlockRequest, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(13))
        buffer.writeInteger(id.rawValue)
        buffer.writeInteger(UInt32(block.piece))
        buffer.writeInteger(UInt32(block.begin))
        buffer.writeInteger(UInt32(block.length))
    }
}
