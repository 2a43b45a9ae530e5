#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One UDP socket bound to port 5353 of every address of one family, joined to the mDNS group on chosen
/// interfaces, that reports the interface each packet arrived on (IP_PKTINFO / IPV6_PKTINFO) and sends multicast
/// out of a chosen interface. Non-blocking; used from the responder's thread only.
final class MDNSSocket {
    let family: MDNSFamily
    let descriptor: Int32
    private var joined: Set<UInt32> = []

    /// Linux socket option numbers (the same on every architecture Rill runs on); the C headers' macros are not all
    /// imported into Swift, and glibc and musl import them with different types.
    enum Option {
        static let solSocket: Int32 = 1
        static let reuseAddress: Int32 = 2
        static let reusePort: Int32 = 15
        static let ipLevel: Int32 = 0
        static let ipPacketInfo: Int32 = 8
        static let ipMulticastInterface: Int32 = 32
        static let ipMulticastTTL: Int32 = 33
        static let ipMulticastLoop: Int32 = 34
        static let ipAddMembership: Int32 = 35
        static let ipDropMembership: Int32 = 36
        static let ipMulticastAll: Int32 = 49
        static let ipv6Level: Int32 = 41
        static let ipv6UnicastHops: Int32 = 16
        static let ipv6MulticastInterface: Int32 = 17
        static let ipv6MulticastHops: Int32 = 18
        static let ipv6MulticastLoop: Int32 = 19
        static let ipv6AddMembership: Int32 = 20
        static let ipv6DropMembership: Int32 = 21
        static let ipv6Only: Int32 = 26
        static let ipv6MulticastAll: Int32 = 29
        static let ipv6ReceivePacketInfo: Int32 = 49
        static let ipv6PacketInfo: Int32 = 50
    }

    /// Opens and binds the socket; throws `MDNSError` naming the step that failed.
    init(family: MDNSFamily) throws(MDNSError) {
        self.family = family
        #if canImport(Glibc)
        let datagram = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let datagram = SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC
        #endif
        let descriptor = socket(family == .v4 ? AF_INET : AF_INET6, datagram, 0)
        guard descriptor >= 0 else { throw MDNSError("socket (\(family))", errno) }
        self.descriptor = descriptor
        do {
            try set(Option.solSocket, Option.reuseAddress, 1, "SO_REUSEADDR")
            try set(Option.solSocket, Option.reusePort, 1, "SO_REUSEPORT")
            if family == .v4 {
                try set(Option.ipLevel, Option.ipPacketInfo, 1, "IP_PKTINFO")
                try set(Option.ipLevel, Option.ipMulticastTTL, 255, "IP_MULTICAST_TTL")
                try set(Option.ipLevel, Option.ipMulticastLoop, 1, "IP_MULTICAST_LOOP")
                try set(Option.ipLevel, Option.ipMulticastAll, 0, "IP_MULTICAST_ALL")
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = MDNSAddress.port.bigEndian
                try bindTo(&address, MemoryLayout<sockaddr_in>.size)
            } else {
                try set(Option.ipv6Level, Option.ipv6Only, 1, "IPV6_V6ONLY")
                try set(Option.ipv6Level, Option.ipv6ReceivePacketInfo, 1, "IPV6_RECVPKTINFO")
                try set(Option.ipv6Level, Option.ipv6MulticastHops, 255, "IPV6_MULTICAST_HOPS")
                try set(Option.ipv6Level, Option.ipv6UnicastHops, 255, "IPV6_UNICAST_HOPS")
                try set(Option.ipv6Level, Option.ipv6MulticastLoop, 1, "IPV6_MULTICAST_LOOP")
                try set(Option.ipv6Level, Option.ipv6MulticastAll, 0, "IPV6_MULTICAST_ALL")
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = MDNSAddress.port.bigEndian
                try bindTo(&address, MemoryLayout<sockaddr_in6>.size)
            }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    private func bindTo<Address>(_ address: inout Address, _ size: Int) throws(MDNSError) {
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(size)) }
        }
        guard result == 0 else { throw MDNSError("bind to port \(MDNSAddress.port) (\(family))", errno) }
    }

    private func set(_ level: Int32, _ option: Int32, _ value: Int32, _ name: String) throws(MDNSError) {
        var value = value
        guard setsockopt(descriptor, level, option, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw MDNSError(name, errno)
        }
    }

    private func set(_ level: Int32, _ option: Int32, bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { setsockopt(descriptor, level, option, $0.baseAddress, socklen_t($0.count)) } == 0 ? 0 : errno
    }

    /// Joins the mDNS group on exactly `interfaces` (leaving the others). Returns failures by interface index.
    func joinOnly(_ interfaces: Set<UInt32>) -> [UInt32: Int32] {
        var failures: [UInt32: Int32] = [:]
        for index in joined.subtracting(interfaces) {
            _ = set(family == .v4 ? Option.ipLevel : Option.ipv6Level,
                    family == .v4 ? Option.ipDropMembership : Option.ipv6DropMembership, bytes: membership(index))
            joined.remove(index)
        }
        for index in interfaces.subtracting(joined) {
            let error = set(family == .v4 ? Option.ipLevel : Option.ipv6Level,
                            family == .v4 ? Option.ipAddMembership : Option.ipv6AddMembership, bytes: membership(index))
            if error == 0 || error == EADDRINUSE { joined.insert(index) } else { failures[index] = error }
        }
        return failures
    }

    /// `struct ip_mreqn { in_addr group; in_addr local; int ifindex; }` or `struct ipv6_mreq { in6_addr; unsigned ifindex; }`.
    private func membership(_ index: UInt32) -> [UInt8] {
        let interface = withUnsafeBytes(of: Int32(bitPattern: index)) { Array($0) }
        return family == .v4 ? MDNSAddress.ipv4 + [0, 0, 0, 0] + interface : MDNSAddress.ipv6 + interface
    }

    /// Receives one datagram into `buffer`; nil when none is waiting. The peer's interface comes from the packet
    /// info control message (0 when missing).
    func receive(into buffer: inout [UInt8]) -> (count: Int, peer: MDNSPeer)? {
        var storage = sockaddr_storage()
        var control = [UInt8](repeating: 0, count: 256)
        var controlLength = 0
        let count: Int = buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &storage) { name in
                    var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var header = msghdr()
                        header.msg_name = UnsafeMutableRawPointer(name)
                        header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                        header.msg_iov = vectorPointer
                        header.msg_iovlen = 1
                        header.msg_control = controlBytes.baseAddress
                        header.msg_controllen = numericCast(controlBytes.count)
                        let received = recvmsg(descriptor, &header, Int32(MSG_TRUNC))
                        controlLength = Int(header.msg_controllen)
                        return received
                    }
                }
            }
        }
        guard count >= 0 else { return nil }
        control.removeSubrange(min(max(0, controlLength), control.count)...)
        var peer = MDNSPeer(family: family, address: [], port: 0, interface: Self.interfaceIndex(control, family: family))
        withUnsafeBytes(of: &storage) { raw in
            if family == .v4 {
                let address = raw.load(as: sockaddr_in.self)
                peer.port = UInt16(bigEndian: address.sin_port)
                peer.address = withUnsafeBytes(of: address.sin_addr) { Array($0) }
            } else {
                let address = raw.load(as: sockaddr_in6.self)
                peer.port = UInt16(bigEndian: address.sin6_port)
                peer.address = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
                if peer.interface == 0 { peer.interface = address.sin6_scope_id }
            }
        }
        return (count, peer)
    }

    /// The interface index from an IP_PKTINFO (`struct in_pktinfo { int ifindex; ... }`) or IPV6_PKTINFO
    /// (`struct in6_pktinfo { in6_addr; unsigned ifindex; }`) control message. Control messages are read by hand:
    /// `struct cmsghdr` is 16 bytes on 64-bit Linux (glibc: size_t length; musl: 32-bit length and padding, the same
    /// bytes on little-endian machines), each padded to 8 bytes.
    static func interfaceIndex(_ control: [UInt8], family: MDNSFamily) -> UInt32 {
        func u32(_ at: Int) -> UInt32 {
            guard at + 4 <= control.count else { return 0 }
            return UInt32(control[at]) | UInt32(control[at + 1]) << 8 | UInt32(control[at + 2]) << 16 | UInt32(control[at + 3]) << 24
        }
        var offset = 0
        while offset + 16 <= control.count {
            let length = Int(u32(offset))
            let level = Int32(bitPattern: u32(offset + 8))
            let type = Int32(bitPattern: u32(offset + 12))
            guard length >= 16, offset + length <= control.count else { return 0 }
            if family == .v4, level == Option.ipLevel, type == Option.ipPacketInfo, length >= 16 + 12 { return u32(offset + 16) }
            if family == .v6, level == Option.ipv6Level, type == Option.ipv6PacketInfo, length >= 16 + 20 { return u32(offset + 32) }
            offset += (length + 7) & ~7
        }
        return 0
    }

    /// Sends `bytes` to the group out of `interface`, or to `peer`. Returns errno, 0 when sent.
    func send(_ bytes: [UInt8], to destination: MDNSSend.Destination) -> Int32 {
        switch destination {
        case .multicast(let interface, _):
            if family == .v4 {
                let choose = set(Option.ipLevel, Option.ipMulticastInterface, bytes: [0, 0, 0, 0, 0, 0, 0, 0] + withUnsafeBytes(of: Int32(bitPattern: interface)) { Array($0) })
                if choose != 0 { return choose }
                return sendTo(bytes, address: MDNSAddress.ipv4, port: MDNSAddress.port, interface: interface)
            }
            let choose = set(Option.ipv6Level, Option.ipv6MulticastInterface, bytes: withUnsafeBytes(of: Int32(bitPattern: interface)) { Array($0) })
            if choose != 0 { return choose }
            return sendTo(bytes, address: MDNSAddress.ipv6, port: MDNSAddress.port, interface: interface)
        case .unicast(let peer):
            return sendTo(bytes, address: peer.address, port: peer.port, interface: peer.interface)
        }
    }

    private func sendTo(_ bytes: [UInt8], address: [UInt8], port: UInt16, interface: UInt32) -> Int32 {
        let sent: Int
        if family == .v4 {
            guard address.count == 4 else { return EINVAL }
            var target = sockaddr_in()
            target.sin_family = sa_family_t(AF_INET)
            target.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &target.sin_addr) { $0.copyBytes(from: address) }
            sent = bytes.withUnsafeBytes { data in
                withUnsafePointer(to: &target) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, data.baseAddress, data.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        } else {
            guard address.count == 16 else { return EINVAL }
            var target = sockaddr_in6()
            target.sin6_family = sa_family_t(AF_INET6)
            target.sin6_port = port.bigEndian
            target.sin6_scope_id = interface
            withUnsafeMutableBytes(of: &target.sin6_addr) { $0.copyBytes(from: address) }
            sent = bytes.withUnsafeBytes { data in
                withUnsafePointer(to: &target) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, data.baseAddress, data.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
            }
        }
        return sent == bytes.count ? 0 : errno
    }
}

/// A socket call of the mDNS responder that failed: the step and the system's error.
public struct MDNSError: Error, Sendable, Equatable, CustomStringConvertible {
    public let step: String
    public let errno: Int32

    public init(_ step: String, _ errno: Int32) {
        self.step = step
        self.errno = errno
    }

    public var description: String { "\(step): \(String(cString: strerror(errno))) (errno \(errno))" }
}
