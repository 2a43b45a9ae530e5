/// Where and how the daemon makes its WireGuard interface.
public struct TunnelSettings: Sendable, Equatable {
    /// The interface's name (at most 15 bytes). Every engine socket is bound to it.
    public var interfaceName: String
    /// The policy-routing table that holds the tunnel's routes (a default route into the interface, and an
    /// `unreachable` one behind it so the table never falls through to the LAN's routes).
    public var routingTable: Int
    /// The priority of the `from <tunnel address> lookup <table>` rules.
    public var rulePriority: Int
    /// The userspace implementation run when the kernel has no WireGuard (a name on `PATH` or a path).
    public var userspaceImplementation: String
    /// How long a made interface may take to appear.
    public var interfaceTimeout: Duration

    public init(
        interfaceName: String = "wg0", routingTable: Int = 51820, rulePriority: Int = 5210,
        userspaceImplementation: String = "wireguard-go", interfaceTimeout: Duration = .seconds(5)
    ) {
        self.interfaceName = interfaceName
        self.routingTable = routingTable
        self.rulePriority = rulePriority
        self.userspaceImplementation = userspaceImplementation
        self.interfaceTimeout = interfaceTimeout
    }
}
