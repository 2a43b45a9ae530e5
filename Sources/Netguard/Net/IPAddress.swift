#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
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
        let text = String(text)
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        if let v4 = Self.presentationToNetwork(text, family: AF_INET, size: 4) {
            bytes = v4
        } else if let v6 = Self.presentationToNetwork(text, family: AF_INET6, size: 16) {
            bytes = v6
        } else {
            return nil
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }
    public var isIPv6: Bool { bytes.count == 16 }

    /// `fe80::/10` or `169.254.0.0/16`: only meaningful on one link, never a source for the engine.
    public var isLinkLocal: Bool {
        isIPv4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
    }

    /// The text form; IPv6 as RFC 5952 (`inet_ntop`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { source in
            buffer.withUnsafeMutableBufferPointer { inet_ntop(family, source.baseAddress, $0.baseAddress, 64) != nil }
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

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

    private static func presentationToNetwork(_ text: String, family: Int32, size: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: size)
        let result = out.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return result == 1 ? out : nil
    }
}
