/// A host the tunnel's DNS could not turn into addresses, and why.
public struct DNSResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let failure: DNSFailure

    public init(host: String, failure: DNSFailure) {
        self.host = host
        self.failure = failure
    }

    public var description: String { "cannot resolve \(host): \(failure)" }
}

/// Why a look-up failed.
public enum DNSFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host is not a valid DNS name (nor an IP literal).
    case invalidName
    /// No binding: the tunnel is down, and the engine's DNS stays closed.
    case offline
    /// An IPv6 literal, while the binding allows IPv4 only.
    case ipv6NotAllowed
    /// None of the configured servers can be reached with this binding (e.g. only IPv6 servers, IPv4 binding).
    case noServers
    /// Too many look-ups are already running.
    case busy
    /// No server answered within the time allowed.
    case timedOut
    /// NXDOMAIN.
    case nameNotFound
    /// The name exists but has no A/AAAA records (or its CNAME chain ends without them).
    case noAddresses
    /// SERVFAIL, REFUSED or another error code from every server asked.
    case serverFailure(rcode: UInt8)
    /// The UDP answer was truncated, held no address, and the same question over TCP failed too.
    case truncated
    /// The server's answer could not be parsed.
    case malformedAnswer(DNSMessageError)
    /// The socket could not be bound to the interface or its address (the interface or address has gone).
    case interfaceUnavailable(SystemCallError)
    /// Another socket call failed.
    case socket(SystemCallError)

    public var description: String {
        switch self {
        case .invalidName: "not a valid host name"
        case .offline: "the VPN is down (engine DNS is closed)"
        case .ipv6NotAllowed: "IPv6 is not allowed on this binding"
        case .noServers: "no DNS server is reachable through this binding"
        case .busy: "too many look-ups in progress"
        case .timedOut: "no DNS server answered in time"
        case .nameNotFound: "no such name (NXDOMAIN)"
        case .noAddresses: "the name has no addresses"
        case .serverFailure(let rcode): "the DNS server failed (rcode \(rcode))"
        case .truncated: "the answer was truncated"
        case .malformedAnswer(let error): "\(error)"
        case .interfaceUnavailable(let error): "the VPN interface cannot be used: \(error)"
        case .socket(let error): "\(error)"
        }
    }
}
