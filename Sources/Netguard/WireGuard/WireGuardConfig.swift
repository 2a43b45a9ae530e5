/// A WireGuard tunnel as described by a wg-quick file (what VPN providers hand out): the local interface and its
/// peers. Parse one with `WireGuardConfig(parsing:options:)`; emit what `wg setconf` reads with `setconfText()`;
/// show it with `summary` (no secrets). Printing a config never prints its keys: they are `Secret`s.
public struct WireGuardConfig: Sendable {
    /// The `[Interface]` section.
    public struct Interface: Sendable {
        public let privateKey: Secret<WireGuardKey>
        /// The public key that belongs to `privateKey` (Curve25519), derived when the file is parsed: what the
        /// VPN provider lists for this device.
        public let publicKey: WireGuardKey
        /// `Address`: the tunnel's own addresses, IPv4 and IPv6, with prefix lengths.
        public var addresses: [IPNetwork]
        /// `DNS` entries that are addresses: the servers the engine asks, through the tunnel.
        public var dnsServers: [IPAddress]
        /// `DNS` entries that are names: search domains (kept; the engine resolves full names only).
        public var dnsSearchDomains: [String]
        public var mtu: Int?
        /// `ListenPort`; `nil` lets the kernel choose.
        public var listenPort: UInt16?
        /// `FwMark`; `nil` or 0 is off.
        public var fwMark: UInt32?
        /// `Table` (wg-quick only): kept so it can be shown, never acted on — Rill sets up its own routing.
        public var table: String?
        /// `SaveConfig` (wg-quick only): kept, never acted on — Rill never writes the file back.
        public var saveConfig: Bool?
        /// `PreUp`/`PostUp`/`PreDown`/`PostDown` lines seen. Their commands are not kept: Rill never runs them.
        public var hookScripts: [HookScript]
    }

    /// A hook script line that was present and ignored.
    public struct HookScript: Sendable, Equatable, Codable {
        public let key: WireGuardConfigKey
        public let line: Int

        public init(key: WireGuardConfigKey, line: Int) {
            self.key = key
            self.line = line
        }
    }

    /// A `[Peer]` section.
    public struct Peer: Sendable {
        public let publicKey: WireGuardKey
        public var presharedKey: Secret<WireGuardKey>?
        public var endpoint: WireGuardEndpoint?
        public var allowedIPs: [IPNetwork]
        /// Seconds; `nil` is off.
        public var persistentKeepalive: UInt16?
        /// The line of the `[Peer]` header.
        public var line: Int
    }

    public var interface: Interface
    public var peers: [Peer]
    /// Things that were accepted but will not do what the file's author may expect (hook scripts, Table, …).
    public var warnings: [WireGuardConfigWarning]
}

/// Something in a wg-quick file that Rill accepts but does not act on, with where it is.
public struct WireGuardConfigWarning: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based; 0 for the file as a whole.
    public let line: Int
    public let key: String?
    public let message: String

    public init(line: Int, key: String?, message: String) {
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "line \(line)" : "file"
        return key.map { "\(place): \($0): \(message)" } ?? "\(place): \(message)"
    }
}
