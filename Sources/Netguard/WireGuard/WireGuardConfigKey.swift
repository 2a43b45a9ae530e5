/// Every key a wg-quick file may hold, spelled as the documentation spells it. Files match keys case-insensitively,
/// as wg-quick and `wg` do.
public enum WireGuardConfigKey: String, Sendable, CaseIterable, Codable {
    // [Interface], read by `wg`
    case privateKey = "PrivateKey"
    case listenPort = "ListenPort"
    case fwMark = "FwMark"
    // [Interface], wg-quick only
    case address = "Address"
    case dns = "DNS"
    case mtu = "MTU"
    case table = "Table"
    case preUp = "PreUp"
    case postUp = "PostUp"
    case preDown = "PreDown"
    case postDown = "PostDown"
    case saveConfig = "SaveConfig"
    // [Peer]
    case publicKey = "PublicKey"
    case presharedKey = "PresharedKey"
    case endpoint = "Endpoint"
    case allowedIPs = "AllowedIPs"
    case persistentKeepalive = "PersistentKeepalive"

    /// The section a key belongs to.
    public enum Section: String, Sendable, Codable {
        case interface = "Interface"
        case peer = "Peer"
    }

    public var section: Section {
        switch self {
        case .publicKey, .presharedKey, .endpoint, .allowedIPs, .persistentKeepalive: .peer
        default: .interface
        }
    }

    /// Keys whose values may be repeated over several lines and accumulate (as wg-quick does).
    var accumulates: Bool {
        switch self {
        case .address, .dns, .allowedIPs, .preUp, .postUp, .preDown, .postDown: true
        default: false
        }
    }

    /// The hook scripts wg-quick runs through bash. Rill never runs them.
    var isHookScript: Bool {
        switch self {
        case .preUp, .postUp, .preDown, .postDown: true
        default: false
        }
    }

    /// The key for a name as written in a file, ignoring case.
    init?(matching name: some StringProtocol) {
        let lowered = name.lowercased()
        guard let key = Self.allCases.first(where: { $0.rawValue.lowercased() == lowered }) else { return nil }
        self = key
    }
}
