/// A peer's `Endpoint`: `HOST:PORT` or `[IPv6]:PORT`, where HOST is an IP literal or a DNS name. A name is
/// resolved by `wg` when the tunnel is set up, outside the tunnel (it is the tunnel's own address).
public struct WireGuardEndpoint: Hashable, Sendable, CustomStringConvertible, Codable {
    /// An IP literal, or a DNS name for `wg` to resolve.
    public enum Host: Hashable, Sendable {
        case address(IPAddress)
        case name(String)
    }

    public let host: Host
    public let port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses the `Endpoint` value; the error says what is wrong in words (no value is echoed).
    public init(text: some StringProtocol) throws(WireGuardEndpointError) {
        let text = String(text)
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .unclosedBracket }
            hostText = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .missingPort }
            portText = rest.dropFirst()
            guard let address = IPAddress(text: hostText), address.isIPv6 else { throw .badIPv6 }
            host = .address(address)
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            if hostText.contains(":") { throw .ipv6NeedsBrackets }
            if let address = IPAddress(text: hostText) {
                host = .address(address)
            } else if Self.isHostName(hostText) {
                host = .name(String(hostText))
            } else {
                throw .badHost
            }
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(portText), port != 0 else { throw .badPort }
        self.port = port
    }

    /// `1.2.3.4:51820`, `[2001:db8::1]:51820` or `vpn.example.com:51820`.
    public var description: String {
        switch host {
        case .address(let address) where address.isIPv6: "[\(address)]:\(port)"
        case .address(let address): "\(address):\(port)"
        case .name(let name): "\(name):\(port)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try WireGuardEndpoint(text: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Letters, digits, `-` and `_` in dot-separated labels of 1–63 characters, at most 253 in all.
    static func isHostName(_ text: some StringProtocol) -> Bool {
        var text = Substring(text)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            for byte in label.utf8 {
                let ok = (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                guard ok else { return false }
            }
        }
        return true
    }
}

/// Why an `Endpoint` value was refused.
public enum WireGuardEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingPort, badPort, unclosedBracket, badIPv6, ipv6NeedsBrackets, badHost

    public var description: String {
        switch self {
        case .missingPort: "expected HOST:PORT"
        case .badPort: "the port must be a number from 1 to 65535"
        case .unclosedBracket: "'[' without ']'"
        case .badIPv6: "the part in brackets is not an IPv6 address"
        case .ipv6NeedsBrackets: "an IPv6 address must be written in brackets: [ADDRESS]:PORT"
        case .badHost: "the host is neither an IP address nor a valid host name"
        }
    }
}
