#if canImport(Torrent)
import Torrent  // IPAddressText (the netguard fuzz target compiles its file into one module instead)
#endif

/// An IPv4 or IPv6 address: 4 or 16 bytes in network order. Text forms are parsed and printed with
/// `inet_pton`/`inet_ntop` (no resolver, no locale): dotted quads only, IPv6 without zone suffixes.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// An address from its raw bytes; `nil` unless there are exactly 4 or 16.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// 0.0.0.0 or ::, for binding to any address.
    static func unspecified(ipv6: Bool) -> IPAddress { IPAddress(checked: [UInt8](repeating: 0, count: ipv6 ? 16 : 4)) }

    private init(checked bytes: [UInt8]) { self.bytes = bytes }

    /// An address from its text form (`10.0.0.1`, `fd00::1`); `nil` for anything else, host names included.
    public init?(text: some StringProtocol) {
        guard let bytes = IPAddressText.parse(text) else { return nil }
        self.bytes = bytes
    }

    public var isIPv4: Bool { bytes.count == 4 }
    public var isIPv6: Bool { bytes.count == 16 }

    /// `fe80::/10` or `169.254.0.0/16`: only meaningful on one link, never a source for the engine.
    public var isLinkLocal: Bool {
        isIPv4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
    }

    /// The text form; IPv6 as RFC 5952 (`inet_ntop`).
    public var description: String { IPAddressText.format(bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPAddress(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IP address"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
