#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opens the datagram socket a DNS query goes out on. The default is `socket(2)` in the daemon's own network
/// namespace; tests replace it to open sockets inside another namespace.
typealias DatagramSocketOpener = @Sendable (_ family: Int32) -> Int32

/// A UDP socket for one DNS exchange: bound to the VPN interface (`SO_BINDTODEVICE`) and its address, on a
/// kernel-chosen ephemeral port (Linux picks it at random), connected to the server so the kernel drops
/// datagrams from any other address or port. Errors that mean the interface or its address is gone come back
/// as `.interfaceUnavailable`.
enum BoundUDPSocket {
    static let defaultOpener: DatagramSocketOpener = { family in socket(family, Posix.datagram | Posix.closeOnExec, 0) }

    /// Returns the open descriptor; the caller owns it.
    static func open(to server: DNSServer, interfaceName: String?, sourceAddress: IPAddress?,
                     opener: DatagramSocketOpener) throws(DNSFailure) -> Int32 {
        let family = server.address.isIPv4 ? AF_INET : AF_INET6
        let raw = opener(family)
        guard raw >= 0 else { throw .socket(.last("socket")) }
        var keep = false
        defer { if !keep { close(raw) } }
        if let interfaceName {
            let bound = interfaceName.withCString { setsockopt(raw, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
            guard bound == 0 else { throw .interfaceUnavailable(.last("SO_BINDTODEVICE \(interfaceName)")) }
        }
        let local = sourceAddress.flatMap { $0.isIPv4 == server.address.isIPv4 ? RawSocketAddress($0, port: 0) : nil }
            ?? .any(family: family)
        guard local.withPointer({ bind(raw, $0, $1) }) == 0 else {
            throw .interfaceUnavailable(.last("bind to \(sourceAddress.map { "\($0)" } ?? "any address")"))
        }
        guard RawSocketAddress(server.address, port: server.port).withPointer({ connect(raw, $0, $1) }) == 0 else {
            throw .socket(.last("connect to \(server)"))
        }
        keep = true
        return raw
    }
}
