extension WireGuardConfig {
    /// The file `wg setconf INTERFACE FILE` reads: the keys `wg` knows and nothing wg-quick-only (no Address, DNS,
    /// MTU, Table, hooks). It holds the private and preshared keys, so it comes back as a `Secret`: write it to a
    /// 0600 file or a pipe, never to a log.
    public func setconfText() -> Secret<String> {
        var lines = ["[Interface]", "PrivateKey = \(interface.privateKey.revealed.base64)"]
        if let port = interface.listenPort { lines.append("ListenPort = \(port)") }
        if let mark = interface.fwMark { lines.append("FwMark = \(mark)") }
        for peer in peers {
            lines += ["", "[Peer]", "PublicKey = \(peer.publicKey.base64)"]
            if let preshared = peer.presharedKey { lines.append("PresharedKey = \(preshared.revealed.base64)") }
            if let endpoint = peer.endpoint { lines.append("Endpoint = \(endpoint)") }
            if !peer.allowedIPs.isEmpty {
                lines.append("AllowedIPs = " + peer.allowedIPs.map(\.description).joined(separator: ", "))
            }
            if let keepalive = peer.persistentKeepalive { lines.append("PersistentKeepalive = \(keepalive)") }
        }
        return Secret(lines.joined(separator: "\n") + "\n")
    }
}
