/// What the mDNS responder announces (docs/DEVICE.md): two host names with the LAN addresses and one `_http._tcp`
/// service for the web UI.
public struct MDNSSettings: Sendable, Equatable {
    /// `rill`: the host is `rill.local` and `rill-<suffix>.local`.
    public var hostname: String
    /// Four hex digits from the device id (`3f9a`), so every device has a name no other has.
    public var suffix: String
    /// The web UI's TCP port (the SRV record's port).
    public var port: UInt16
    /// The service's TXT strings (`path=/`, `version=0.1.0`).
    public var txt: [String]
    /// Interfaces never announced on, by name (the VPN tunnel, `wg0`).
    public var excludedInterfaces: Set<String>

    public init(hostname: String, suffix: String, port: UInt16, txt: [String], excludedInterfaces: Set<String>) {
        self.hostname = hostname
        self.suffix = suffix
        self.port = port
        self.txt = txt
        self.excludedInterfaces = excludedInterfaces
    }
}

/// A LAN interface the responder works on, with the addresses it announces there (RFC 6762 §15: answer with the
/// addresses of the interface the question came in on).
public struct MDNSInterface: Sendable, Equatable {
    public var index: UInt32
    public var name: String
    /// IPv4 addresses, 4 bytes each.
    public var ipv4: [[UInt8]]
    /// IPv6 addresses (link-local included), 16 bytes each.
    public var ipv6: [[UInt8]]

    public init(index: UInt32, name: String, ipv4: [[UInt8]], ipv6: [[UInt8]]) {
        self.index = index
        self.name = name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}

/// IPv4 or IPv6.
public enum MDNSFamily: Sendable, Equatable, Hashable {
    case v4, v6
}

/// Where a packet came from: family, address bytes, port and the interface it arrived on.
public struct MDNSPeer: Sendable, Equatable {
    public var family: MDNSFamily
    public var address: [UInt8]
    public var port: UInt16
    public var interface: UInt32

    public init(family: MDNSFamily, address: [UInt8], port: UInt16, interface: UInt32) {
        self.family = family
        self.address = address
        self.port = port
        self.interface = interface
    }
}

/// One packet for the socket layer to send.
public struct MDNSSend: Sendable, Equatable {
    public enum Destination: Sendable, Equatable {
        /// 224.0.0.251 or ff02::fb, port 5353, out of the interface.
        case multicast(interface: UInt32, family: MDNSFamily)
        /// Straight back to one asker.
        case unicast(MDNSPeer)
    }

    public var message: DNSMessage
    public var destination: Destination

    public init(message: DNSMessage, destination: Destination) {
        self.message = message
        self.destination = destination
    }
}

/// The mDNS port, and the group addresses.
public enum MDNSAddress {
    public static let port: UInt16 = 5353
    public static let ipv4: [UInt8] = [224, 0, 0, 251]
    public static let ipv6: [UInt8] = [0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFB]
}

/// What the responder is doing and has done, for `/api/v1/status`.
public struct MDNSStatus: Sendable, Equatable, Encodable {
    /// `probing`, `announcing`, `answering` or `stopped`.
    public var phase: String
    /// The names it answers for now (after any renames).
    public var names: [String]
    /// The service instance.
    public var service: String
    /// The interfaces it works on.
    public var interfaces: [String]
    public var questionsAnswered: Int
    /// Packets that were not valid DNS messages.
    public var malformedPackets: Int
    public var conflicts: Int

    enum CodingKeys: String, CodingKey {
        case phase, names, service, interfaces, conflicts
        case questionsAnswered = "questions_answered"
        case malformedPackets = "malformed_packets"
    }
}
