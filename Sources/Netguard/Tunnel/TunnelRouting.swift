/// The policy routing that sends the tunnel's traffic, and only it, into the interface: the LAN's default
/// route stays in the main table for the web UI and streaming.
///
/// For each address family the tunnel has an address of: table T gets `default dev wg0` and, behind it,
/// `unreachable default` (so when the interface goes away, traffic from the tunnel's address gets "unreachable"
/// instead of falling through to the LAN), and a rule `from <tunnel address> lookup T` at the configured
/// priority. Engine sockets are bound to the interface (`SO_BINDTODEVICE`) and its address anyway; the rules make
/// the routing say the same thing, for any socket that binds the tunnel's address.
enum TunnelRouting {
    /// Adds the table's routes and the rules; the interface must be up.
    static func install(_ config: WireGuardConfig, settings: TunnelSettings) async throws(TunnelError) {
        let table = "\(settings.routingTable)"
        for family in families(of: config) {
            try await SystemTool.run("ip", [family, "route", "replace", "default", "dev", settings.interfaceName, "table", table])
            try await SystemTool.run("ip", [family, "route", "replace", "unreachable", "default", "metric", "4278198272", "table", table])
        }
        for address in config.interface.addresses {
            let family = address.address.isIPv4 ? "-4" : "-6"
            try await SystemTool.run(
                "ip", [family, "rule", "add", "from", "\(address.address)", "lookup", table, "priority", "\(settings.rulePriority)"]
            )
        }
    }

    /// Removes the rules at the configured priority and flushes the table (best effort: parts may be gone).
    static func remove(settings: TunnelSettings) async {
        for family in ["-4", "-6"] {
            // One rule per address; `ip rule del priority P` removes one at a time.
            for _ in 0..<16 {
                do {
                    try await SystemTool.run("ip", [family, "rule", "del", "priority", "\(settings.rulePriority)"])
                } catch {
                    break
                }
            }
            _ = try? await SystemTool.run("ip", [family, "route", "flush", "table", "\(settings.routingTable)"])
        }
    }

    private static func families(of config: WireGuardConfig) -> [String] {
        var families: [String] = []
        if config.interface.addresses.contains(where: { $0.address.isIPv4 }) { families.append("-4") }
        if config.interface.addresses.contains(where: { $0.address.isIPv6 }) { families.append("-6") }
        return families
    }
}
