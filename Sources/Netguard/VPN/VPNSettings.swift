/// The `[vpn]` part of the daemon's configuration.
public struct VPNSettings: Sendable {
    public var tunnel: TunnelSettings
    /// Where the WireGuard file is kept.
    public var configFile: VPNConfigFile
    /// Without a stored file the engine stays offline ("no VPN configured") instead of using the LAN.
    public var required: Bool
    /// How long after the interface disappeared (wireguard-go died, someone deleted it) it is made again.
    public var repairDelay: Duration

    public init(tunnel: TunnelSettings, configFile: VPNConfigFile, required: Bool, repairDelay: Duration = .seconds(2)) {
        self.tunnel = tunnel
        self.configFile = configFile
        self.required = required
        self.repairDelay = repairDelay
    }
}

/// A WireGuard file sent to `PUT /api/v1/vpn` was refused or could not be stored.
public enum VPNConfigureError: Error, Sendable, CustomStringConvertible {
    /// The file does not parse; the error names the line and the key (never a secret).
    case invalid(WireGuardConfigError)
    /// The file could not be written.
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(let error): error.description
        case .storage(let message): "cannot store the VPN configuration: \(message)"
        }
    }
}
