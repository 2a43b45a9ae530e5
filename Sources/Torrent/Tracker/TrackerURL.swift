/// A tracker announce URL, parsed strictly enough that libcurl and this parser cannot disagree about the host.
///
/// Contract:
/// - Schemes `http`, `https` (default ports 80, 443) and `udp` (port required); others throw
///   ``TrackerError/Reason/unsupportedScheme(_:)``.
/// - The host is an IPv4 dotted quad, a bracketed IPv6 literal, or a DNS name of letters, digits, `-`, `_` and
///   `.` whose last label is not all digits (so `127.1` or `0x7f.1` — which libc would read as addresses — are
///   refused). User info (`user@`) is refused. Names are lower-cased.
/// - The path and query are kept as given (printable ASCII only, at most ``maxLength`` bytes in all); a
///   fragment is dropped. ``requestURL`` rebuilds the URL from these parts, so what libcurl is asked to fetch
///   is exactly what was parsed and resolved.
public struct TrackerURL: Sendable, Hashable, CustomStringConvertible {
    /// The transport an announce URL asks for.
    public enum Scheme: String, Sendable, Hashable {
        case http, https, udp
    }

    public let scheme: Scheme
    /// A lower-cased name, or an IP literal without brackets.
    public let host: String
    public let port: UInt16
    /// The path and query, starting with `/` (just `/` when the URL had none).
    public let pathAndQuery: String
    /// The URL as given.
    public let text: String
    /// The address bytes when ``host`` is an IP literal (4 or 16 bytes), else `nil`.
    public let literalAddress: [UInt8]?

    /// Longest URL accepted, in bytes.
    public static let maxLength = 2048

    /// Parses `text`; throws ``TrackerError`` naming `text` when it is not a usable tracker URL.
    public init(_ text: String) throws(TrackerError) {
        func invalid(_ why: String) -> TrackerError { TrackerError(url: text, reason: .invalidURL(why)) }
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maxLength else { throw invalid("longer than \(Self.maxLength) bytes") }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { throw invalid("no scheme") }
        let schemeText = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw TrackerError(url: text, reason: .unsupportedScheme(schemeText))
        }
        guard bytes[colon...].starts(with: Array("://".utf8)) else { throw invalid("no // after the scheme") }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw invalid("spaces, control or non-ASCII characters")
        }
        let afterScheme = colon + 3
        let authorityEnd = bytes[afterScheme...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? bytes.endIndex
        let authority = bytes[afterScheme..<authorityEnd]
        guard !authority.contains(UInt8(ascii: "@")) else { throw invalid("user info is not allowed") }

        let (host, literal, portText) = try Self.splitAuthority(authority, invalid: invalid)
        let port: UInt16
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, let value = UInt16(portText), value != 0 else {
                throw invalid("bad port \"\(portText)\"")
            }
            port = value
        } else {
            switch scheme {
            case .http: port = 80
            case .https: port = 443
            case .udp: throw invalid("udp tracker URLs need a port")
            }
        }

        var rest = bytes[authorityEnd...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        var path = String(decoding: rest, as: UTF8.self)
        if !path.hasPrefix("/") { path = "/" + path }

        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathAndQuery = path
        self.text = text
        self.literalAddress = literal
    }

    /// `host:port`, with IPv6 literals in brackets.
    public var authority: String {
        literalAddress?.count == 16 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The URL rebuilt from its parsed parts (explicit port, no fragment): what libcurl is given.
    public var requestURL: String { "\(scheme.rawValue)://\(authority)\(pathAndQuery)" }

    public var description: String { text }

    private static func splitAuthority(
        _ authority: ArraySlice<UInt8>, invalid: (String) -> TrackerError
    ) throws(TrackerError) -> (host: String, literal: [UInt8]?, port: String?) {
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw invalid("unclosed [") }
            let inner = String(decoding: authority[(authority.startIndex + 1)..<close], as: UTF8.self)
            guard let address = IPAddressText.parseIPv6(inner) else { throw invalid("bad IPv6 literal \"\(inner)\"") }
            let after = authority[(close + 1)...]
            if after.isEmpty { return (IPAddressText.format(address), address, nil) }
            guard after.first == UInt8(ascii: ":") else { throw invalid("junk after the IPv6 literal") }
            return (IPAddressText.format(address), address, String(decoding: after.dropFirst(), as: UTF8.self))
        }
        var hostBytes = authority
        var port: String?
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostBytes = authority[..<colon]
            port = String(decoding: authority[(colon + 1)...], as: UTF8.self)
        }
        let host = String(decoding: hostBytes, as: UTF8.self).lowercased()
        guard !host.isEmpty, host.utf8.count <= 253 else { throw invalid("empty or overlong host") }
        if let v4 = IPAddressText.parseIPv4(host) { return (host, v4, port) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels where label.isEmpty || label.utf8.count > 63
            || !label.utf8.allSatisfy({ isNameByte($0) }) {
            throw invalid("bad host \"\(host)\"")
        }
        if let last = labels.last, last.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            throw invalid("host \"\(host)\" is neither a name nor a dotted-quad address")
        }
        if host.hasPrefix("0x") { throw invalid("host \"\(host)\" looks like a hex address") }
        return (host, nil, port)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
