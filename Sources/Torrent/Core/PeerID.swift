/// The 20-byte id a client announces to trackers and sends in its handshake. Rill's use the Azureus style
/// `-RL0100-` followed by 12 random alphanumerics, so other clients and trackers can tell what we are.
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// Exactly 20 bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes`; `nil` unless there are exactly 20.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        self.bytes = Array(bytes)
    }

    /// A fresh id for this process: the client prefix and 12 random characters.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> PeerID {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        var bytes = Array(clientPrefix.utf8)
        while bytes.count < 20 {
            bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return PeerID(bytes: bytes)!
    }

    /// A fresh id from the system random source.
    public static func random() -> PeerID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// `-RL` + version digits + `-`, as in the Azureus convention (BEP 20).
    public static let clientPrefix = "-RL0100-"

    /// Printable form: ASCII characters as they are, others as `%XX`.
    public var description: String {
        var out = ""
        for byte in bytes {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + HexDigits.encode([byte]).uppercased()
            }
        }
        return out
    }
}
