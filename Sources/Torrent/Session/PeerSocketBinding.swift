#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// Applies a ``NetworkBinding`` to peer sockets, the listener's and every outgoing connection's, before they
/// bind or connect.
///
/// Contract (fail closed): with an interface name the socket is bound to that device (`SO_BINDTODEVICE`); when
/// that fails (no such interface, no privilege) the returned future fails and the channel never binds or
/// connects, so a missing interface never falls back to "any". The source address is bound to as well, for
/// peers of its family; an address that is gone makes `bind` fail (EADDRNOTAVAIL), again closing the way.
enum PeerSocketBinding {
    /// Sets `SO_BINDTODEVICE` on `channel` when the binding names an interface; succeeds at once otherwise.
    static func bindToDevice(_ binding: NetworkBinding, channel: any Channel) -> EventLoopFuture<Void> {
        guard let interface = binding.interfaceName else { return channel.eventLoop.makeSucceededVoidFuture() }
        let bytes = Array(interface.utf8)
        guard !bytes.isEmpty, bytes.count < Int(IFNAMSIZ), !bytes.contains(0) else {
            return channel.eventLoop.makeFailedFuture(PeerBindingError(message: "bad interface name \"\(interface)\""))
        }
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(PeerBindingError(message: "the channel has no socket options"))
        }
        // The kernel reads at most IFNAMSIZ bytes and stops at the first NUL.
        var name = InterfaceNameBytes(repeating: 0)
        for (index, byte) in bytes.enumerated() { name[index] = byte }
        return provider.unsafeSetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_BINDTODEVICE), value: name
        ).flatMapErrorThrowing { error in
            throw PeerBindingError(message: "cannot bind to interface \(interface): \(error)")
        }
    }

    /// The local address an outgoing connection to `peer` binds to (port 0), or `nil` for none: the binding
    /// has no source address, or one of the other family (the device binding alone confines the socket then).
    static func localAddress(for peer: PeerAddress, binding: NetworkBinding) throws -> SocketAddress? {
        guard let source = binding.sourceAddress(ipv6: !peer.isIPv4), let bytes = IPAddressText.parse(source) else { return nil }
        guard (bytes.count == 4) == peer.isIPv4 else {
            guard binding.interfaceName != nil else {
                throw PeerBindingError(message: "source address \(source) cannot reach \(peer)")
            }
            return nil
        }
        return try SocketAddress(ipAddress: IPAddressText.format(bytes), port: 0)
    }
}

/// `IFNAMSIZ` bytes: the value `SO_BINDTODEVICE` takes.
typealias InterfaceNameBytes = InlineArray<16, UInt8>

/// A peer socket could not be given the engine's binding; it is closed instead of used unbound.
struct PeerBindingError: Error, Sendable, CustomStringConvertible {
    let message: String
    var description: String { message }
}
