#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A NETLINK_ROUTE socket subscribed to link, IPv4 address and IPv6 address changes (RTMGRP_LINK,
/// RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR). A netlink socket sees the network namespace of the thread that
/// opened it, for as long as it lives: open it inside a namespace to watch that namespace.
public final class NetlinkRouteSocket: Sendable {
    /// What one read returned.
    enum Received {
        case messages([NetlinkMessage])
        /// The kernel dropped messages (ENOBUFS) or one did not fit the buffer: the state must be read again.
        case lost
        /// Nothing usable (a datagram from something other than the kernel, or EINTR/EAGAIN).
        case nothing
    }

    /// The largest datagram read at once; the kernel sizes its messages to the reader's page size (≤ 32 KiB).
    static let bufferSize = 64 * 1024

    let descriptor: FileDescriptor

    /// Opens and subscribes the socket in the calling thread's network namespace.
    public init() throws(SystemCallError) {
        let raw = socket(AF_NETLINK, Posix.raw | Posix.closeOnExec, Netlink.protocolRoute)
        guard raw >= 0 else { throw .last("socket(AF_NETLINK, NETLINK_ROUTE)") }
        descriptor = FileDescriptor(raw)
        // Room for bursts (many interfaces changing at once); the kernel caps it at net.core.rmem_max.
        var size: Int32 = 1 << 20
        _ = setsockopt(raw, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.kernelAddress(groups: Netlink.groupLink | Netlink.groupIPv4Address | Netlink.groupIPv6Address)
        let bound = address.withUnsafeMutableBytes {
            bind(raw, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
        }
        guard bound == 0 else { throw .last("bind(AF_NETLINK)") }
    }

    /// Asks the kernel for a dump of every link (RTM_GETLINK) or address (RTM_GETADDR).
    func requestDump(_ type: UInt16, sequence: UInt32) throws(SystemCallError) {
        let bodySize = type == Netlink.getLink ? Netlink.linkHeaderSize : Netlink.addressHeaderSize
        var message = [UInt8](repeating: 0, count: Netlink.headerSize + bodySize)
        Self.store(UInt32(message.count), in: &message, at: 0)
        Self.store(type, in: &message, at: 4)
        Self.store(Netlink.flagRequest | Netlink.flagDump, in: &message, at: 6)
        Self.store(sequence, in: &message, at: 8)
        message[Netlink.headerSize] = UInt8(AF_UNSPEC)
        var kernel = Self.kernelAddress(groups: 0)
        let sent = message.withUnsafeBytes { body in
            kernel.withUnsafeMutableBytes {
                sendto(descriptor.raw, body.baseAddress, body.count, 0,
                       $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
            }
        }
        guard sent == message.count else { throw .last("sendto(AF_NETLINK)") }
    }

    /// Reads one datagram (the caller has seen the socket readable) and parses it.
    func receive(into buffer: inout [UInt8]) throws(NetlinkReceiveError) -> Received {
        if buffer.count < Self.bufferSize { buffer = [UInt8](repeating: 0, count: Self.bufferSize) }
        var sender = [UInt8](repeating: 0, count: 12)
        var senderLength = socklen_t(12)
        let count = buffer.withUnsafeMutableBytes { data in
            sender.withUnsafeMutableBytes {
                recvfrom(descriptor.raw, data.baseAddress, data.count, Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT),
                         $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), &senderLength)
            }
        }
        if count < 0 {
            switch errno {
            case ENOBUFS: return .lost
            case EINTR, EAGAIN: return .nothing
            case let code: throw .system(SystemCallError("recvfrom(AF_NETLINK)", code: code))
            }
        }
        guard count <= buffer.count else { return .lost }
        // Only the kernel (port id 0) speaks for the network state.
        guard sender[4..<8].allSatisfy({ $0 == 0 }) else { return .nothing }
        do {
            return .messages(try NetlinkParser.parse(buffer[0..<count]))
        } catch {
            throw .malformed(error)
        }
    }

    /// A `struct sockaddr_nl` for the kernel (port 0) with the given multicast groups.
    private static func kernelAddress(groups: UInt32) -> [UInt8] {
        var address = [UInt8](repeating: 0, count: 12)
        store(UInt16(AF_NETLINK), in: &address, at: 0)
        store(groups, in: &address, at: 8)
        return address
    }

    private static func store<T: FixedWidthInteger>(_ value: T, in bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value) { source in
            for index in 0..<source.count { bytes[offset + index] = source[index] }
        }
    }
}

/// Why a netlink read failed.
enum NetlinkReceiveError: Error {
    case system(SystemCallError)
    case malformed(NetlinkParseError)
}
