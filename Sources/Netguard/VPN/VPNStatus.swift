/// The body of `GET /api/v1/vpn`: whether a tunnel is configured, what the kill switch did, what WireGuard
/// says. Holds no secret (the config appears as its ``WireGuardConfigSummary``).
public struct VPNStatus: Sendable, Equatable, Codable {
    /// A WireGuard file is stored.
    public var configured: Bool
    /// `vpn.required`: without a file the engine stays offline.
    public var required: Bool
    /// The interface engine sockets are bound to.
    public var interface: String
    /// `kernel` or `userspace` once the tunnel was brought up.
    public var implementation: WireGuardTunnel.Implementation?
    /// What the UI shows: "VPN up", "VPN down — downloads paused", "no VPN configured".
    public var message: String
    /// The engine's network as the kill switch set it; `nil` while no VPN is in charge (the engine is unbound).
    public var killSwitch: KillSwitchStatus?
    /// Why the last bring-up failed, if it did.
    public var error: String?
    /// Seconds since the newest handshake, `nil` before the first.
    public var handshakeAgeSeconds: Int?
    /// The peers as WireGuard reports them; `nil` while the interface is absent.
    public var tunnel: TunnelStatus?
    /// The stored file without its secrets.
    public var config: WireGuardConfigSummary?

    enum CodingKeys: String, CodingKey {
        case configured, required, interface, implementation, message, killSwitch = "kill_switch", error
        case handshakeAgeSeconds = "handshake_age_seconds", tunnel, config
    }
}

/// The answer of "test the tunnel": did a handshake happen within the time allowed.
public struct VPNTestResult: Sendable, Equatable, Codable {
    public var ok: Bool
    public var message: String
    /// Seconds since the handshake that proved the tunnel (0 for one made by the test).
    public var handshakeAgeSeconds: Int?
    /// How long the test took, in milliseconds.
    public var elapsedMilliseconds: Int

    enum CodingKeys: String, CodingKey {
        case ok, message, handshakeAgeSeconds = "handshake_age_seconds", elapsedMilliseconds = "elapsed_ms"
    }
}
