#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Torrent

/// Makes WireGuard shake hands: one datagram into the tunnel (WireGuard starts a handshake when it has a packet
/// for a peer without a session). It goes to port 9 (discard) of an address inside the tunnel, from a socket
/// bound to the interface and its address like every engine socket.
enum TunnelProbe {
    /// The config's first DNS server, else the first host of the interface's IPv4 network (none for a /31 or /32).
    static func target(for config: WireGuardConfig) -> DNSServer? {
        if let server = config.interface.dnsServers.first { return DNSServer(address: server, port: 9) }
        guard let network = config.interface.addresses.first(where: { $0.address.isIPv4 && $0.prefixLength <= 30 }) else {
            return nil
        }
        let host = network.address.bytes.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) }
        let mask: UInt32 = network.prefixLength == 0 ? 0 : ~UInt32(0) << (32 - UInt32(network.prefixLength))
        let first = (host & mask) + 1
        let bytes = [UInt8(first >> 24), UInt8(first >> 16 & 0xFF), UInt8(first >> 8 & 0xFF), UInt8(first & 0xFF)]
        return IPAddress(bytes: bytes).map { DNSServer(address: $0, port: 9) }
    }

    /// Sends the datagram; failures are ignored (the test then finds no handshake and says so).
    static func poke(_ target: DNSServer, binding: NetworkBinding) {
        let source = binding.sourceAddress(ipv6: target.address.isIPv6).flatMap { IPAddress(text: $0) }
        guard let socket = try? BoundUDPSocket.open(
            to: target, interfaceName: binding.interfaceName, sourceAddress: source, opener: BoundUDPSocket.defaultOpener
        ) else { return }
        defer { close(socket) }
        let payload = Array("rill tunnel test".utf8)
        _ = payload.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, dontWait) }
    }
}

#if canImport(Glibc)
private let dontWait = Int32(MSG_DONTWAIT)
#else
private let dontWait = MSG_DONTWAIT
#endif
