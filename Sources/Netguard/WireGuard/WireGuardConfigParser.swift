extension WireGuardConfig {
    /// Parses a wg-quick file. Throws the first problem found, naming its line and key; never quotes a key.
    public init(parsing input: some Collection<UInt8>, options: WireGuardConfigOptions = WireGuardConfigOptions())
        throws(WireGuardConfigError) {
        var parser = WireGuardConfigParser(options: options)
        for line in try WireGuardConfigLexer.lines(input, options: options) {
            try parser.take(line)
        }
        self = try parser.finish()
    }

    /// Parses a wg-quick file given as text.
    public init(parsing text: String, options: WireGuardConfigOptions = WireGuardConfigOptions())
        throws(WireGuardConfigError) {
        try self.init(parsing: Array(text.utf8), options: options)
    }
}

/// Builds a `WireGuardConfig` from lexed lines: sections, keys, duplicates, bounds, then what must be present.
struct WireGuardConfigParser {
    private struct PartialPeer {
        let line: Int
        var publicKey: WireGuardKey?
        var presharedKey: WireGuardKey?
        var endpoint: WireGuardEndpoint?
        var allowedIPs: [IPNetwork] = []
        var persistentKeepalive: UInt16?
    }

    private enum Section { case none, interface, peer }

    let options: WireGuardConfigOptions
    private var section = Section.none
    /// Where each key was first seen in the current section.
    private var seen: [WireGuardConfigKey: Int] = [:]
    private var interfaceLine: Int?
    private var privateKey: WireGuardKey?
    private var privateKeyLine = 0
    private var addresses: [IPNetwork] = []
    private var dnsServers: [IPAddress] = []
    private var dnsSearchDomains: [String] = []
    private var mtu: Int?
    private var listenPort: UInt16?
    private var fwMark: UInt32?
    private var table: String?
    private var saveConfig: Bool?
    private var hookScripts: [WireGuardConfig.HookScript] = []
    private var peers: [PartialPeer] = []
    private var warnings: [WireGuardConfigWarning] = []

    init(options: WireGuardConfigOptions) { self.options = options }

    private func error(_ line: Int, _ key: String?, _ problem: WireGuardConfigError.Problem) -> WireGuardConfigError {
        WireGuardConfigError(fileName: options.fileName, line: line, key: key, problem: problem)
    }

    mutating func take(_ line: WireGuardConfigLine) throws(WireGuardConfigError) {
        switch line.content {
        case .section(let name): try startSection(name, at: line.number)
        case .entry(let keyText, let value): try entry(keyText, value, at: line.number)
        }
    }

    private mutating func startSection(_ name: Substring, at line: Int) throws(WireGuardConfigError) {
        seen = [:]
        switch name.lowercased() {
        case "interface":
            if let first = interfaceLine { throw error(line, "[Interface]", .repeatedInterfaceSection(firstLine: first)) }
            interfaceLine = line
            section = .interface
        case "peer":
            guard peers.count < options.limits.maxPeers else {
                throw error(line, "[Peer]", .tooMany(limit: options.limits.maxPeers))
            }
            peers.append(PartialPeer(line: line))
            section = .peer
        default:
            throw error(line, nil, .unknownSection(WireGuardConfigError.safeName(name)))
        }
    }

    private mutating func entry(_ keyText: Substring, _ value: Substring, at line: Int) throws(WireGuardConfigError) {
        guard section != .none else { throw error(line, WireGuardConfigError.safeName(keyText), .keyOutsideSection) }
        guard let key = WireGuardConfigKey(matching: keyText) else {
            throw error(line, nil, .unknownKey(WireGuardConfigError.safeName(keyText)))
        }
        let expected: WireGuardConfigKey.Section = section == .interface ? .interface : .peer
        guard key.section == expected else { throw error(line, key.rawValue, .wrongSection(key.section)) }
        if !key.accumulates, let first = seen[key] { throw error(line, key.rawValue, .duplicateKey(firstLine: first)) }
        if seen[key] == nil { seen[key] = line }
        do throws(ValueProblem) {
            if expected == .interface {
                try interfaceEntry(key, value, at: line)
            } else {
                try peerEntry(key, value)
            }
        } catch let problem {
            throw error(line, key.rawValue, problem.problem)
        }
    }

    private mutating func interfaceEntry(_ key: WireGuardConfigKey, _ value: Substring, at line: Int) throws(ValueProblem) {
        let limit = options.limits.maxListValues
        switch key {
        case .privateKey:
            privateKey = try WireGuardConfigValues.key(value)
            privateKeyLine = line
        case .listenPort:
            let port = try WireGuardConfigValues.number(value, in: 0...65535)
            listenPort = port == 0 ? nil : UInt16(port)
        case .fwMark:
            fwMark = try WireGuardConfigValues.fwMark(value)
        case .address:
            for item in try WireGuardConfigValues.list(value, limit: limit) {
                guard addresses.count < limit else { throw ValueProblem(.tooMany(limit: limit)) }
                addresses.append(try WireGuardConfigValues.network(item))
            }
        case .dns:
            for item in try WireGuardConfigValues.list(value, limit: limit) {
                guard dnsServers.count + dnsSearchDomains.count < limit else { throw ValueProblem(.tooMany(limit: limit)) }
                if let address = IPAddress(text: item) {
                    dnsServers.append(address)
                } else if WireGuardEndpoint.isHostName(item) {
                    dnsSearchDomains.append(String(item))
                } else {
                    throw ValueProblem("\(WireGuardConfigError.quoted(item)) is neither an IP address nor a domain name")
                }
            }
        case .mtu:
            mtu = try WireGuardConfigValues.number(value, in: 576...65535)
        case .table:
            table = String(value)
            warnings.append(WireGuardConfigWarning(line: line, key: key.rawValue, message: "ignored: Rill sets up its own routing"))
        case .saveConfig:
            let save = try WireGuardConfigValues.boolean(value)
            saveConfig = save
            if save {
                warnings.append(WireGuardConfigWarning(line: line, key: key.rawValue, message: "ignored: Rill never writes the file back"))
            }
        case .preUp, .postUp, .preDown, .postDown:
            if options.hookScripts == .refuse { throw ValueProblem(.hookScriptRefused) }
            hookScripts.append(WireGuardConfig.HookScript(key: key, line: line))
            warnings.append(WireGuardConfigWarning(line: line, key: key.rawValue, message: "ignored: Rill never runs hook scripts"))
        case .publicKey, .presharedKey, .endpoint, .allowedIPs, .persistentKeepalive:
            throw ValueProblem(.wrongSection(.peer))
        }
    }

    private mutating func peerEntry(_ key: WireGuardConfigKey, _ value: Substring) throws(ValueProblem) {
        guard var peer = peers.popLast() else { throw ValueProblem(.keyOutsideSection) }
        defer { peers.append(peer) }
        switch key {
        case .publicKey:
            peer.publicKey = try WireGuardConfigValues.key(value)
        case .presharedKey:
            peer.presharedKey = try WireGuardConfigValues.key(value)
        case .endpoint:
            do throws(WireGuardEndpointError) {
                peer.endpoint = try WireGuardEndpoint(text: value)
            } catch {
                throw ValueProblem(error.description)
            }
        case .allowedIPs:
            let limit = options.limits.maxListValues
            for item in try WireGuardConfigValues.list(value, limit: limit) {
                guard peer.allowedIPs.count < limit else { throw ValueProblem(.tooMany(limit: limit)) }
                peer.allowedIPs.append(try WireGuardConfigValues.network(item))
            }
        case .persistentKeepalive:
            peer.persistentKeepalive = try WireGuardConfigValues.keepalive(value)
        default:
            throw ValueProblem(.wrongSection(.interface))
        }
    }

    /// Checks that what a tunnel needs is there and returns the config with its warnings.
    func finish() throws(WireGuardConfigError) -> WireGuardConfig {
        guard let interfaceLine else { throw error(0, "[Interface]", .missing) }
        guard let privateKey else { throw error(interfaceLine, WireGuardConfigKey.privateKey.rawValue, .missing) }
        guard let publicKey = privateKey.derivedPublicKey() else {
            throw error(privateKeyLine, WireGuardConfigKey.privateKey.rawValue, .invalidKey)
        }
        guard !addresses.isEmpty else { throw error(interfaceLine, WireGuardConfigKey.address.rawValue, .missing) }
        guard !peers.isEmpty else { throw error(0, "[Peer]", .missing) }
        var finished: [WireGuardConfig.Peer] = []
        var firstLine: [WireGuardKey: Int] = [:]
        for peer in peers {
            guard let publicKey = peer.publicKey else { throw error(peer.line, WireGuardConfigKey.publicKey.rawValue, .missing) }
            if let first = firstLine[publicKey] { throw error(peer.line, "[Peer]", .duplicatePeer(firstLine: first)) }
            firstLine[publicKey] = peer.line
            finished.append(WireGuardConfig.Peer(
                publicKey: publicKey, presharedKey: peer.presharedKey.map(Secret.init), endpoint: peer.endpoint,
                allowedIPs: peer.allowedIPs, persistentKeepalive: peer.persistentKeepalive, line: peer.line))
        }
        let interface = WireGuardConfig.Interface(
            privateKey: Secret(privateKey), publicKey: publicKey, addresses: addresses, dnsServers: dnsServers,
            dnsSearchDomains: dnsSearchDomains, mtu: mtu, listenPort: listenPort, fwMark: fwMark, table: table,
            saveConfig: saveConfig, hookScripts: hookScripts)
        return WireGuardConfig(interface: interface, peers: finished, warnings: warnings + coverageWarnings(interfaceLine))
    }

    /// Warnings about what the engine will not be able to reach through this tunnel.
    private func coverageWarnings(_ interfaceLine: Int) -> [WireGuardConfigWarning] {
        var out: [WireGuardConfigWarning] = []
        if dnsServers.isEmpty {
            out.append(WireGuardConfigWarning(line: interfaceLine, key: WireGuardConfigKey.dns.rawValue,
                                              message: "no DNS server: the engine can reach trackers by IP address only"))
        }
        let routes = peers.flatMap(\.allowedIPs)
        if !routes.contains(where: { $0.address.isIPv4 && $0.prefixLength == 0 }) {
            out.append(WireGuardConfigWarning(line: 0, key: WireGuardConfigKey.allowedIPs.rawValue,
                                              message: "no peer takes all IPv4 traffic (0.0.0.0/0): the engine reaches only the networks listed"))
        }
        if addresses.contains(where: { $0.address.isIPv6 }), !routes.contains(where: { $0.address.isIPv6 && $0.prefixLength == 0 }) {
            out.append(WireGuardConfigWarning(line: 0, key: WireGuardConfigKey.allowedIPs.rawValue,
                                              message: "no peer takes all IPv6 traffic (::/0): the engine reaches only the IPv6 networks listed"))
        }
        return out
    }
}
