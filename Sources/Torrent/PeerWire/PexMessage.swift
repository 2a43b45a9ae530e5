import Bencode
import NIOCore

/// A BEP 11 peer exchange message: peers the sender connected to (`added`, `added6`) and dropped since its
/// last message. At most 50 of each are read, as the BEP asks senders to limit themselves to.
public struct PexMessage: Sendable, Equatable {
    public var added: [PeerAddress] = []
    public var dropped: [PeerAddress] = []

    public static let maxEntries = 50

    public init(added: [PeerAddress] = [], dropped: [PeerAddress] = []) {
        self.added = added
        self.dropped = dropped
    }

    public init(payload: ByteBuffer) throws(PeerWireError) {
        let value: BencodeValue
        do {
            value = try BencodeDecoder(limits: .peerMessage).decode(payload.readableBytesView)
        } catch {
            throw PeerWireError(.protocolViolation, "ut_pex: \(error)")
        }
        added = Array((PeerAddress.compactList(value["added"]?.bytes ?? [], ipv6: false)
            + PeerAddress.compactList(value["added6"]?.bytes ?? [], ipv6: true)).prefix(Self.maxEntries))
        dropped = Array((PeerAddress.compactList(value["dropped"]?.bytes ?? [], ipv6: false)
            + PeerAddress.compactList(value["dropped6"]?.bytes ?? [], ipv6: true)).prefix(Self.maxEntries))
    }

    public func encode() -> [UInt8] {
        var dictionary = BencodeDictionary()
        let added = added.prefix(Self.maxEntries), dropped = dropped.prefix(Self.maxEntries)
        dictionary["added"] = .bytes(added.filter(\.isIPv4).flatMap(\.compact))
        dictionary["added.f"] = .bytes(Array(repeating: 0, count: added.filter(\.isIPv4).count))
        dictionary["added6"] = .bytes(added.filter { !$0.isIPv4 }.flatMap(\.compact))
        dictionary["dropped"] = .bytes(dropped.filter(\.isIPv4).flatMap(\.compact))
        dictionary["dropped6"] = .bytes(dropped.filter { !$0.isIPv4 }.flatMap(\.compact))
        return BencodeEncoder().encode(.dictionary(dictionary))
    }
}
