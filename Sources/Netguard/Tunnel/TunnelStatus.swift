/// What WireGuard says about the tunnel's peers: the latest handshake, the endpoint in use and the bytes
/// moved. Read with `wg show NAME latest-handshakes|endpoints|transfer`, which print no key but public ones
/// (`wg show NAME dump` would carry the private and preshared keys through our memory; these do not).
public struct TunnelStatus: Sendable, Equatable, Codable {
    public struct Peer: Sendable, Equatable, Codable {
        public let publicKey: String
        /// `host:port` WireGuard sends to now (the config's, or where the peer last answered from).
        public var endpoint: String?
        /// Unix seconds of the latest handshake; `nil` before the first.
        public var latestHandshake: Int?
        public var receivedBytes: Int64 = 0
        public var sentBytes: Int64 = 0

        public init(publicKey: String) {
            self.publicKey = publicKey
        }

        enum CodingKeys: String, CodingKey {
            case publicKey = "public_key", endpoint, latestHandshake = "latest_handshake"
            case receivedBytes = "received_bytes", sentBytes = "sent_bytes"
        }
    }

    public var peers: [Peer]

    public init(peers: [Peer]) {
        self.peers = peers
    }

    /// The newest handshake of any peer (Unix seconds), or `nil`.
    public var latestHandshake: Int? { peers.compactMap(\.latestHandshake).max() }

    /// Parses the three `wg show` outputs: lines of `PUBLIC-KEY<TAB>VALUE…`. Lines that do not fit are skipped.
    public init(latestHandshakes: String, endpoints: String, transfer: String) {
        var peers: [Peer] = []
        var index: [String: Int] = [:]
        func fields(_ text: String, _ body: (inout Peer, [Substring]) -> Void) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "\t")
                guard parts.count >= 2, parts[0].utf8.count == 44 else { continue }
                let key = String(parts[0])
                if index[key] == nil {
                    index[key] = peers.count
                    peers.append(Peer(publicKey: key))
                }
                if let position = index[key] { body(&peers[position], Array(parts.dropFirst())) }
            }
        }
        fields(latestHandshakes) { peer, values in
            if let seconds = Int(values[0]), seconds > 0 { peer.latestHandshake = seconds }
        }
        fields(endpoints) { peer, values in
            if values[0] != "(none)" { peer.endpoint = String(values[0]) }
        }
        fields(transfer) { peer, values in
            guard values.count >= 2 else { return }
            peer.receivedBytes = Int64(values[0]) ?? 0
            peer.sentBytes = Int64(values[1]) ?? 0
        }
        self.peers = peers
    }
}

extension WireGuardTunnel {
    /// The peers' state from `wg show`.
    public func status() async throws(TunnelError) -> TunnelStatus {
        let handshakes = try await SystemTool.run("wg", ["show", interfaceName, "latest-handshakes"])
        let endpoints = try await SystemTool.run("wg", ["show", interfaceName, "endpoints"])
        let transfer = try await SystemTool.run("wg", ["show", interfaceName, "transfer"])
        return TunnelStatus(latestHandshakes: handshakes, endpoints: endpoints, transfer: transfer)
    }
}
