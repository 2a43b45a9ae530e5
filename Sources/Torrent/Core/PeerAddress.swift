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
    public var host: String { isIPv4 ? IPAddressText.formatIPv4(ip) : IPAddressText.formatIPv6(ip) }

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

/// Text forms of IP addresses, without libc (no resolver, no locale).
enum IPAddressText {
    static func parseIPv4(_ text: some StringProtocol) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    static func parseIPv6(_ text: some StringProtocol) -> [UInt8]? {
        let text = String(text)
        guard !text.isEmpty, text.count <= 45 else { return nil }
        let halves = splitOnDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Splits at every "::"; more than one piece means the address compresses zeros.
    private static func splitOnDoubleColon(_ text: String) -> [String] {
        let utf8 = Array(text.utf8)
        var pieces: [String] = []
        var start = 0, index = 0
        while index + 1 < utf8.count {
            if utf8[index] == UInt8(ascii: ":"), utf8[index + 1] == UInt8(ascii: ":") {
                pieces.append(String(decoding: utf8[start..<index], as: UTF8.self))
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        pieces.append(String(decoding: utf8[start...], as: UTF8.self))
        return pieces
    }

    static func formatIPv4(_ bytes: [UInt8]) -> String {
        bytes.map(String.init).joined(separator: ".")
    }

    static func formatIPv6(_ bytes: [UInt8]) -> String {
        var groups: [UInt16] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
        }
        // RFC 5952: compress the longest run (≥ 2) of zero groups.
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
