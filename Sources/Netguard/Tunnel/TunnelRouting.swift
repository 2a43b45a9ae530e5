/// The policy routing that sends the tunnel's traffic, and only it, into the interface: the LAN's default
/// route stays in the main table for the web UI and streaming.
///
/// For each address family the tunnel has an address of: table T gets `default dev wg0` and, behind it,
/// `unreachable default` (so when the interface goes away, traffic from the tunnel's address gets "unreachable"
/// instead of falling through to the LAN), a rule `from <tunnel address> lookup T` per address and a rule
/// `oif wg0 lookup T`, all at the configured priority. Engine sockets are bound to the interface
/// (`SO_BINDTODEVICE`) and its address anyway; the rules make the routing say the same thing, for any socket that
/// binds the tunnel's address or its interface. The `oif` rule matters for IPv6: a socket bound to the device but
/// not to an address (libcurl's `if!wg0`) finds no IPv6 route through it in the main table (IPv4 takes the
/// bound device as on-link instead), so without the rule an IPv6 tracker over HTTP would be unreachable.
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
        for family in families(of: config) {
            try await SystemTool.run(
                "ip", [family, "rule", "add", "oif", settings.interfaceName, "lookup", table, "priority", "\(settings.rulePriority)"]
            )
        }
    }

    /// Removes the rules at the configured priority and flushes the table (best effort: parts may be gone).
    static func remove(settings: TunnelSettings) async {
        for family in ["-4", "-6"] {
            // One rule per address and one for the interface; `ip rule del priority P` removes one at a time.
            for _ in 0..<32 {
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
