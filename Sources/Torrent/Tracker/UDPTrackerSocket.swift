#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// Opens the datagram socket of one UDP announce with the engine's binding already applied, for
/// `DatagramBootstrap.withBoundSocket`.
///
/// Contract: the socket is non-blocking and close-on-exec, of the tracker address's family. With an interface
/// name it is bound to that device (`SO_BINDTODEVICE`); when that fails (missing interface, no privilege) the
/// socket is closed and an error thrown: it never falls back to the default route. A source address of the same
/// family is bound to; one of the other family is an error unless an interface confines the socket anyway.
/// Without either, the socket is bound to the wildcard address, port 0.
enum UDPTrackerSocket {
    static func open(ipv6: Bool, binding: NetworkBinding) throws(TrackerError.Reason) -> CInt {
        let family = ipv6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, socketType, 0)
        guard descriptor >= 0 else { throw .network("socket: \(errorText())") }
        do {
            try configure(descriptor, ipv6: ipv6, binding: binding)
            return descriptor
        } catch {
            close(descriptor)
            throw error
        }
    }

    #if canImport(Glibc)
    private static let socketType = Int32(SOCK_DGRAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    #else
    private static let socketType = SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC
    #endif

    private static func configure(_ descriptor: CInt, ipv6: Bool, binding: NetworkBinding) throws(TrackerError.Reason) {
        if ipv6 {
            var on: CInt = 1
            guard setsockopt(descriptor, CInt(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
                throw .network("IPV6_V6ONLY: \(errorText())")
            }
        }
        if let interface = binding.interfaceName {
            let name = Array(interface.utf8)
            guard !name.isEmpty, name.count < Int(IFNAMSIZ) else { throw .network("bad interface name \"\(interface)\"") }
            let result = name.withUnsafeBytes {
                setsockopt(descriptor, SOL_SOCKET, SO_BINDTODEVICE, $0.baseAddress, socklen_t(name.count))
            }
            guard result == 0 else { throw .network("cannot bind to interface \(interface): \(errorText())") }
        }
        var source: [UInt8]?
        if let text = binding.sourceAddress(ipv6: ipv6) {
            guard let address = IPAddressText.parse(text) else {
                throw .network("bad source address \"\(text)\"")
            }
            if (address.count == 16) == ipv6 {
                source = address
            } else if binding.interfaceName == nil {
                throw .network("source address \(text) cannot reach an IPv\(ipv6 ? 6 : 4) tracker")
            }
        }
        let wildcard = ipv6 ? "::" : "0.0.0.0"
        let text = source.map { IPAddressText.format($0) } ?? wildcard
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: text, port: 0)
        } catch {
            throw .network("bad source address \(text): \(error)")
        }
        let result = address.withSockAddr { bind(descriptor, $0, socklen_t($1)) }
        guard result == 0 else { throw .network("bind: \(errorText())") }
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
