/// Where the engine's sockets may go out. Netguard fills this from the VPN interface; the engine applies it to
/// every socket it opens (peers, trackers, DNS) and never opens one when it says "offline".
public struct NetworkBinding: Sendable, Equatable {
    /// The interface every engine socket is bound to with `SO_BINDTODEVICE` (and libcurl's `CURLOPT_INTERFACE`),
    /// or `nil` to use the host's routing (development and tests only).
    public var interfaceName: String?
    /// The local address engine sockets bind to, or `nil` for the interface's.
    public var sourceAddress: String?
    /// Whether IPv6 peers and trackers may be contacted.
    public var allowsIPv6: Bool
    /// The local address sockets to IPv6 hosts bind to when `sourceAddress` is an IPv4 one (a tunnel with both).
    public var ipv6SourceAddress: String?

    public init(interfaceName: String? = nil, sourceAddress: String? = nil, allowsIPv6: Bool = true,
                ipv6SourceAddress: String? = nil) {
        self.interfaceName = interfaceName
        self.sourceAddress = sourceAddress
        self.allowsIPv6 = allowsIPv6
        self.ipv6SourceAddress = ipv6SourceAddress
    }

    /// The source address for a socket to a host of this family: `ipv6SourceAddress` for IPv6 when there is
    /// one, else `sourceAddress` (callers check that its family fits).
    public func sourceAddress(ipv6: Bool) -> String? {
        if ipv6, let ipv6SourceAddress { return ipv6SourceAddress }
        return sourceAddress
    }

    /// No binding: the host's routes decide. For `rill fetch` on a workstation and for tests.
    public static let unbound = NetworkBinding()
}

/// Turns a host name into addresses for the engine. The engine never calls libc's resolver: Netguard's
/// implementation asks the tunnel's DNS servers over a bound socket; `LiteralHostResolver` accepts IP literals only.
public protocol HostResolver: Sendable {
    /// The addresses of `host` (IPv4 first); throws when it has none.
    func resolve(host: String) async throws -> [[UInt8]]
}

/// A resolver for IP literals (`127.0.0.1`, `::1`, `[::1]`); any name is an error. The safe default: it cannot leak.
public struct LiteralHostResolver: HostResolver {
    public init() {}

    public func resolve(host: String) async throws -> [[UInt8]] {
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = IPAddressText.parseIPv4(text) { return [v4] }
        if let v6 = IPAddressText.parseIPv6(text) { return [v6] }
        throw HostResolutionError(host: host, reason: "no resolver for host names is configured")
    }
}

/// A host that could not be resolved.
public struct HostResolutionError: Error, Sendable, CustomStringConvertible {
    public let host: String
    public let reason: String
    public var description: String { "cannot resolve \(host): \(reason)" }
}
