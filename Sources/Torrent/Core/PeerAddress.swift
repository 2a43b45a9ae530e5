#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The IP address and port of a peer, as trackers, PEX and `x.pe` hand them out. IPv4 (4 bytes) or IPv6 (16).
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, network order.
    public let ip: [UInt8]
    public let port: UInt16

    /// `nil` unless `ip` has 4 or 16 bytes.
    public init?(ip: some Collection<UInt8>, port: UInt16) {
        guard ip.count == 4 || ip.count == 16 else { return nil }
        self.ip = Array(ip)
        self.port = port
    }

    /// Parses the compact form: 4 or 16 address bytes followed by the port, big-endian (BEP 23, BEP 7).
    public init?(compact: some Collection<UInt8>) {
        let bytes = Array(compact)
        guard bytes.count == 6 || bytes.count == 18 else { return nil }
        let port = UInt16(bytes[bytes.count - 2]) << 8 | UInt16(bytes[bytes.count - 1])
        self.init(ip: bytes.dropLast(2), port: port)
    }

    /// Parses `1.2.3.4:6881` or `[::1]:6881` (the `x.pe` form of BEP 9).
    public init?(text: some StringProtocol) {
        let text = String(text)
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
            guard let ip = IPAddressText.parseIPv6(host) else { return nil }
            guard let port = UInt16(portText), port != 0 else { return nil }
            self.init(ip: ip, port: port)
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard let ip = IPAddressText.parseIPv4(host) else { return nil }
            guard let port = UInt16(portText), port != 0 else { return nil }
            self.init(ip: ip, port: port)
        }
    }

    public var isIPv4: Bool { ip.count == 4 }

    /// The compact form: address bytes then the port, big-endian.
    public var compact: [UInt8] { ip + [UInt8(port >> 8), UInt8(port & 0xFF)] }

    /// The address alone, as text: `1.2.3.4` or `::1`.
    public var host: String { IPAddressText.format(ip) }

    public var description: String { isIPv4 ? "\(host):\(port)" : "[\(host)]:\(port)" }

    /// Splits a compact peer list (BEP 23 `peers`, BEP 7 `peers6`, BEP 11 `added`) into addresses.
    /// Trailing bytes that do not make a whole entry are ignored; port 0 entries are dropped.
    public static func compactList(_ bytes: some Collection<UInt8>, ipv6: Bool) -> [PeerAddress] {
        let stride = ipv6 ? 18 : 6
        let all = Array(bytes)
        var out: [PeerAddress] = []
        out.reserveCapacity(all.count / stride)
        var start = 0
        while start + stride <= all.count {
            if let address = PeerAddress(compact: all[start..<start + stride]), address.port != 0 {
                out.append(address)
            }
            start += stride
        }
        return out
    }
}

/// Text forms of IP addresses: libc's `inet_pton`/`inet_ntop` (pure conversions: no resolver, no locale;
/// IPv6 printed as RFC 5952 says). Shared by the engine and Netguard.
public enum IPAddressText {
    /// The 4 bytes of a dotted-quad IPv4 address, or `nil`.
    public static func parseIPv4(_ text: some StringProtocol) -> [UInt8]? { parse(String(text), family: AF_INET, size: 4) }

    /// The 16 bytes of an IPv6 address (no brackets, no zone), or `nil`.
    public static func parseIPv6(_ text: some StringProtocol) -> [UInt8]? { parse(String(text), family: AF_INET6, size: 16) }

    /// IPv4 or IPv6 text, or `nil` for anything else, host names included.
    public static func parse(_ text: some StringProtocol) -> [UInt8]? { parseIPv4(text) ?? parseIPv6(text) }

    /// The text form of 4 or 16 address bytes ("?" for any other count).
    public static func format(_ bytes: [UInt8]) -> String {
        guard bytes.count == 4 || bytes.count == 16 else { return "?" }
        var buffer = [CChar](repeating: 0, count: 64)
        let ok = bytes.withUnsafeBytes { source in
            buffer.withUnsafeMutableBufferPointer {
                inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, source.baseAddress, $0.baseAddress, 64) != nil
            }
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func parse(_ text: String, family: Int32, size: Int) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var out = [UInt8](repeating: 0, count: size)
        let result = out.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return result == 1 ? out : nil
    }
}
