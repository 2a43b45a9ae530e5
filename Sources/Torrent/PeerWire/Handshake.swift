import NIOCore

/// The 68-byte BitTorrent handshake (BEP 3): protocol string, 8 reserved bytes carrying extension bits,
/// info-hash, peer id.
public struct Handshake: Sendable, Equatable {
    public static let protocolName: [UInt8] = Array("BitTorrent protocol".utf8)
    public static let length = 68

    public var reserved: [UInt8]
    public var infoHash: InfoHash
    public var peerID: PeerID

    public init(infoHash: InfoHash, peerID: PeerID, reserved: [UInt8] = Handshake.rillReserved) {
        self.reserved = reserved
        self.infoHash = infoHash
        self.peerID = peerID
    }

    /// What Rill announces: BEP 10 extension protocol and BEP 6 fast extension.
    public static let rillReserved: [UInt8] = [0, 0, 0, 0, 0, 0x10, 0, 0x04]

    /// BEP 10: reserved byte 5, bit 0x10.
    public var supportsExtensions: Bool { reserved[5] & 0x10 != 0 }
    /// BEP 6: reserved byte 7, bit 0x04.
    public var supportsFast: Bool { reserved[7] & 0x04 != 0 }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(Self.protocolName.count))
        buffer.writeBytes(Self.protocolName)
        buffer.writeBytes(reserved)
        buffer.writeBytes(infoHash.bytes)
        buffer.writeBytes(peerID.bytes)
    }

    /// Reads a handshake from exactly 68 bytes; throws when the protocol string is not BitTorrent's.
    static func read(from buffer: inout ByteBuffer) throws(PeerWireError) -> Handshake {
        guard let nameLength = buffer.readInteger(as: UInt8.self), Int(nameLength) == protocolName.count,
              let name = buffer.readBytes(length: protocolName.count), name == protocolName,
              let reserved = buffer.readBytes(length: 8),
              let hash = buffer.readBytes(length: 20).flatMap({ InfoHash(bytes: $0) }),
              let id = buffer.readBytes(length: 20).flatMap({ PeerID(bytes: $0) })
        else { throw PeerWireError(.notBitTorrent, "the peer does not speak the BitTorrent protocol") }
        return Handshake(infoHash: hash, peerID: id, reserved: reserved)
    }
}
