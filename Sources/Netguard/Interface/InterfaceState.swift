import Torrent

/// What the kernel says about one named network interface, as an `InterfaceWatch` last saw it.
public struct InterfaceState: Sendable, Equatable, CustomStringConvertible {
    /// RFC 2863 operational state (IFLA_OPERSTATE). WireGuard interfaces report `unknown` while working.
    public enum OperState: UInt8, Sendable {
        case unknown = 0, notPresent, down, lowerLayerDown, testing, dormant, up
    }

    public let name: String
    /// The kernel's interface index; `nil` when no interface has this name.
    public var index: Int32?
    /// IFF_UP: administratively up (`ip link set NAME up`).
    public var isUp = false
    /// IFF_RUNNING: up and with its lower layer working (carrier, for a tunnel: the device is open).
    public var isRunning = false
    public var operState = OperState.unknown
    public var mtu: Int?
    /// Every address the kernel lists for the interface, tentative and link-local ones included.
    public var addresses: [InterfaceAddress] = []
    /// Set when the watch itself failed (its netlink socket broke): the state is then unknown and unusable.
    public var watchFailure: String?

    public init(name: String) { self.name = name }

    public var exists: Bool { index != nil }

    /// Addresses the engine may use as a source: not tentative, not failed, not link-local.
    public var usableAddresses: [InterfaceAddress] { addresses.filter(\.isUsable) }

    /// `nil` when the engine may use the interface, else why not: "wg0 does not exist", "wg0 is down",
    /// "wg0 is not running", "wg0 has no address".
    public var unusableReason: String? {
        if let watchFailure { return "cannot watch \(name): \(watchFailure)" }
        guard exists else { return "\(name) does not exist" }
        guard isUp else { return "\(name) is down" }
        let stopped: Set<OperState> = [.down, .lowerLayerDown, .notPresent, .dormant]
        guard isRunning, !stopped.contains(operState) else { return "\(name) is not running" }
        guard !usableAddresses.isEmpty else { return "\(name) has no address" }
        return nil
    }

    /// Exists, is up and running, and has an address.
    public var isUsable: Bool { unusableReason == nil }

    /// The binding engine sockets must use, or `nil` when the interface is not usable (fail closed). The source
    /// is the first IPv4 address, else the first IPv6 one; with both, the first IPv6 one is the source for IPv6
    /// hosts. IPv6 is allowed only with a usable (not link-local, not tentative) IPv6 address: without one the
    /// engine sends no IPv6 at all.
    public var binding: NetworkBinding? {
        guard isUsable else { return nil }
        let usable = usableAddresses
        let ipv4 = usable.first { $0.network.address.isIPv4 }
        let ipv6 = usable.first { $0.network.address.isIPv6 }
        return NetworkBinding(interfaceName: name, sourceAddress: (ipv4 ?? ipv6).map { "\($0.network.address)" },
                              allowsIPv6: ipv6 != nil,
                              ipv6SourceAddress: ipv4 == nil ? nil : ipv6.map { "\($0.network.address)" })
    }

    public var description: String {
        guard let index else { return "\(name): absent" }
        let flags = [isUp ? "UP" : "DOWN", isRunning ? "RUNNING" : nil].compactMap { $0 }.joined(separator: ",")
        let list = addresses.map(\.description).joined(separator: " ")
        return "\(name)#\(index) <\(flags)> oper \(operState)\(list.isEmpty ? "" : " " + list)"
    }
}

/// One address on an interface, with the kernel's flags that decide whether it can be used yet.
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
    public var network: IPNetwork
    /// IFA_F_TENTATIVE: IPv6 duplicate address detection is still running.
    public var isTentative: Bool
    /// IFA_F_DADFAILED: another host has it.
    public var isDuplicate: Bool
    /// Scope link (RT_SCOPE_LINK) or a link-local address.
    public var isLinkLocal: Bool

    public init(network: IPNetwork, isTentative: Bool = false, isDuplicate: Bool = false, isLinkLocal: Bool = false) {
        self.network = network
        self.isTentative = isTentative
        self.isDuplicate = isDuplicate
        self.isLinkLocal = isLinkLocal || network.address.isLinkLocal
    }

    public var isUsable: Bool { !isTentative && !isDuplicate && !isLinkLocal }

    public var description: String {
        network.description + (isTentative ? " tentative" : "") + (isDuplicate ? " dadfailed" : "")
    }
}
