#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One question to one server over UDP, on a socket bound to the VPN interface (`SO_BINDTODEVICE`) and to its
/// address, so the packet leaves through the tunnel or not at all — never by the host's routes, never through
/// libc's resolver. Blocking: run it off the event loops (`TunnelDNSResolver` uses a thread pool).
///
/// Each exchange uses a new socket on a kernel-chosen ephemeral port (Linux picks it at random) and a random
/// query id; the socket is connected, so the kernel drops datagrams from any other address or port, and a reply
/// must also carry the same id and question or it is ignored.
struct DNSExchange {
    /// Datagrams that do not match the question are skipped, at most this many per exchange.
    static let maxIgnoredReplies = 16
    static let receiveBufferSize = 4096

    /// The interface to bind to, or `nil` for none (development only).
    let interfaceName: String?
    /// The source address to bind to when its family matches the server's.
    let sourceAddress: IPAddress?

    func ask(_ query: DNSQuery, server: DNSServer, timeoutMilliseconds: Int32) throws(DNSFailure) -> DNSResponse {
        let family = server.address.isIPv4 ? AF_INET : AF_INET6
        let raw = socket(family, Posix.datagram | Posix.closeOnExec, 0)
        guard raw >= 0 else { throw .socket(.last("socket")) }
        let descriptor = FileDescriptor(raw)

        if let interfaceName {
            let bound = interfaceName.withCString {
                setsockopt(descriptor.raw, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1))
            }
            guard bound == 0 else { throw .interfaceUnavailable(.last("SO_BINDTODEVICE \(interfaceName)")) }
        }
        let local = sourceAddress.flatMap { $0.isIPv4 == server.address.isIPv4 ? SocketAddress($0, port: 0) : nil }
            ?? .any(family: family)
        guard local.withPointer({ bind(descriptor.raw, $0, $1) }) == 0 else {
            throw .interfaceUnavailable(.last("bind to \(sourceAddress.map { "\($0)" } ?? "any address")"))
        }
        guard SocketAddress(server.address, port: server.port).withPointer({ connect(descriptor.raw, $0, $1) }) == 0 else {
            throw .socket(.last("connect \(server)"))
        }
        let message = query.bytes
        let sent = message.withUnsafeBytes { send(descriptor.raw, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw .socket(.last("send to \(server)")) }
        return try awaitReply(to: query, on: descriptor, timeoutMilliseconds: timeoutMilliseconds)
    }

    private func awaitReply(to query: DNSQuery, on descriptor: FileDescriptor, timeoutMilliseconds: Int32)
        throws(DNSFailure) -> DNSResponse {
        let deadline = Posix.monotonicMilliseconds() + Int64(timeoutMilliseconds)
        var buffer = [UInt8](repeating: 0, count: Self.receiveBufferSize)
        var ignored = 0
        var lastMalformed: DNSMessageError?
        while ignored <= Self.maxIgnoredReplies {
            let remaining = deadline - Posix.monotonicMilliseconds()
            guard remaining > 0 else { break }
            var entry = pollfd(fd: descriptor.raw, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: remaining))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { break }
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
            }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .socket(.last("recv"))  // ECONNREFUSED: nothing listens there
            }
            do {
                let response = try DNSResponse(parsing: Array(buffer[0..<min(count, buffer.count)]))
                if response.answers(query) { return response }
            } catch {
                lastMalformed = error
            }
            ignored += 1
        }
        if let lastMalformed { throw .malformedAnswer(lastMalformed) }
        throw .timedOut
    }
}
