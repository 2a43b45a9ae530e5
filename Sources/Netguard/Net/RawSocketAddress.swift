#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
// NIO's C shim re-declares the socket address types (it includes the libc headers with _GNU_SOURCE); in a whole-
// module build the compiler may take it as their defining module, and MemberImportVisibility then wants it imported.
#if canImport(CNIOLinux)
import CNIOLinux
#endif

/// A `sockaddr_in` or `sockaddr_in6` built from an `IPAddress` and a port, for `bind` and `connect`.
struct RawSocketAddress {
    private var storage = sockaddr_storage()
    let length: socklen_t
    let family: Int32

    init(_ address: IPAddress, port: UInt16) {
        if address.isIPv4 {
            var v4 = sockaddr_in()
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &v4.sin_addr) { $0.copyBytes(from: address.bytes) }
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: v4) { target.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        } else {
            var v6 = sockaddr_in6()
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &v6.sin6_addr) { $0.copyBytes(from: address.bytes) }
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: v6) { target.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        }
    }

    /// The unspecified address of `family` with port 0: let the kernel pick a random ephemeral port.
    static func any(family: Int32) -> RawSocketAddress {
        RawSocketAddress(.unspecified(ipv6: family != AF_INET), port: 0)
    }

    func withPointer<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }
}
