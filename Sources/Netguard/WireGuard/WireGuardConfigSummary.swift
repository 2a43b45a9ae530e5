/// What the API and the UI show of a WireGuard config: everything but the secrets. The interface's public key is
/// derived from its private key (Curve25519), which is what a VPN provider's dashboard lists for the device.
public struct WireGuardConfigSummary: Sendable, Equatable, Codable {
    /// The `[Interface]` section, its private key replaced by the public key derived from it.
    public struct Interface: Sendable, Equatable, Codable {
        public let publicKey: String
        public let addresses: [IPNetwork]
        public let dnsServers: [IPAddress]
        public let dnsSearchDomains: [String]
        public let mtu: Int?
        public let listenPort: UInt16?
    }

    /// One `[Peer]`, its preshared key replaced by whether there is one.
    public struct Peer: Sendable, Equatable, Codable {
        public let publicKey: String
        /// Whether a preshared key is set (never the key).
        public let hasPresharedKey: Bool
        public let endpoint: WireGuardEndpoint?
        public let allowedIPs: [IPNetwork]
        public let persistentKeepalive: UInt16?

        // "allowedIps" so that snake-case encoders (the API's) say `allowed_ips`, not `allowed_i_ps`.
        enum CodingKeys: String, CodingKey {
            case publicKey, hasPresharedKey, endpoint, allowedIPs = "allowedIps", persistentKeepalive
        }
    }

    public let interface: Interface
    public let peers: [Peer]
    public let warnings: [WireGuardConfigWarning]
}

extension WireGuardConfig {
    /// The config without its secrets, for the API and logs.
    public var summary: WireGuardConfigSummary {
        WireGuardConfigSummary(
            interface: .init(publicKey: interface.publicKey.base64, addresses: interface.addresses, dnsServers: interface.dnsServers,
                             dnsSearchDomains: interface.dnsSearchDomains, mtu: interface.mtu,
                             listenPort: interface.listenPort),
            peers: peers.map {
                .init(publicKey: $0.publicKey.base64, hasPresharedKey: $0.presharedKey != nil, endpoint: $0.endpoint,
                      allowedIPs: $0.allowedIPs, persistentKeepalive: $0.persistentKeepalive)
            },
            warnings: warnings)
    }
}
