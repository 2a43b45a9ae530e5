import Bencode
import NIOCore

/// A BEP 9 `ut_metadata` message: a request for, the data of, or a refusal of one 16 KiB piece of a
/// torrent's `info` dictionary.
public enum MetadataMessage: Sendable, Equatable {
    case request(piece: Int)
    case data(piece: Int, totalSize: Int, bytes: [UInt8])
    case reject(piece: Int)

    /// Metadata is exchanged in pieces of this size (the last one shorter).
    public static let pieceSize = 16 * 1024

    public init(payload: ByteBuffer) throws(PeerWireError) {
        let decoded: (value: BencodeValue, count: Int)
        do {
            decoded = try BencodeDecoder(limits: .peerMessage).decodePrefix(payload.readableBytesView)
        } catch {
            throw PeerWireError(.protocolViolation, "ut_metadata: \(error)")
        }
        guard let type = decoded.value["msg_type"]?.int, let piece = decoded.value["piece"]?.int,
              piece >= 0, piece < 1 << 20 else {
            throw PeerWireError(.protocolViolation, "ut_metadata: missing msg_type or piece")
        }
        switch type {
        case 0: self = .request(piece: Int(piece))
        case 1:
            guard let total = decoded.value["total_size"]?.int, total > 0, total <= Int64(Int32.max) else {
                throw PeerWireError(.protocolViolation, "ut_metadata: data without a total_size")
            }
            let bytes = Array(payload.readableBytesView.dropFirst(decoded.count))
            guard bytes.count <= Self.pieceSize else {
                throw PeerWireError(.protocolViolation, "ut_metadata: a piece of \(bytes.count) bytes")
            }
            self = .data(piece: Int(piece), totalSize: Int(total), bytes: bytes)
        case 2: self = .reject(piece: Int(piece))
        default: throw PeerWireError(.protocolViolation, "ut_metadata: unknown msg_type \(type)")
        }
    }

    public func encode() -> [UInt8] {
        var dictionary = BencodeDictionary()
        switch self {
        case .request(let piece):
            dictionary["msg_type"] = 0
            dictionary["piece"] = .integer(Int64(piece))
            return BencodeEncoder().encode(.dictionary(dictionary))
        case .data(let piece, let totalSize, let bytes):
            dictionary["msg_type"] = 1
            dictionary["piece"] = .integer(Int64(piece))
            dictionary["total_size"] = .integer(Int64(totalSize))
            return BencodeEncoder().encode(.dictionary(dictionary)) + bytes
        case .reject(let piece):
            dictionary["msg_type"] = 2
            dictionary["piece"] = .integer(Int64(piece))
            return BencodeEncoder().encode(.dictionary(dictionary))
        }
    }
}
