/// A peer broke the wire protocol: what it sent, why that is refused. The connection is closed; the engine
/// survives and remembers the peer as misbehaving.
public struct PeerWireError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notBitTorrent
        case wrongInfoHash
        case messageTooLarge
        case badLength
        case unknownMessage
        case protocolViolation
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
