import NIOCore
import NIOPosix

/// One question to one server over UDP on a `BoundUDPSocket`, driven by a NIO event loop: nothing blocks a
/// thread while waiting, so a dead server costs a timer, not a thread. The packet leaves through the bound
/// interface or not at all — never by the host's routes, never through libc's resolver.
struct DNSExchange: Sendable {
    /// The interface to bind to, or `nil` for none (development only).
    let interfaceName: String?
    /// The source address, used when its family matches the server's.
    let sourceAddress: IPAddress?
    let group: any EventLoopGroup
    var opener: DatagramSocketOpener = BoundUDPSocket.defaultOpener
    /// The source for IPv6 servers when `sourceAddress` is an IPv4 one.
    var ipv6SourceAddress: IPAddress?

    /// The source address for a socket to `server`: of its family, or `nil` (the interface's choice).
    func source(for server: DNSServer) -> IPAddress? {
        let candidate = server.address.isIPv6 ? (ipv6SourceAddress ?? sourceAddress) : sourceAddress
        return candidate.flatMap { $0.isIPv4 == server.address.isIPv4 ? $0 : nil }
    }

    /// The same question over TCP (after a truncated answer), bound the same way.
    func askOverTCP(_ query: DNSQuery, server: DNSServer, timeout: Duration) async throws(DNSFailure) -> DNSResponse {
        try await DNSStreamExchange(interfaceName: interfaceName, sourceAddress: source(for: server), group: group)
            .ask(query, server: server, timeout: timeout)
    }

    func ask(_ query: DNSQuery, server: DNSServer, timeout: Duration) async throws(DNSFailure) -> DNSResponse {
        let descriptor = try BoundUDPSocket.open(to: server, interfaceName: interfaceName, sourceAddress: source(for: server),
                                                 opener: opener)
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSResponse.self)
        let handler = { @Sendable (channel: any Channel) -> EventLoopFuture<Void> in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    DNSReplyHandler(query: query, promise: promise, timeout: .nanoseconds(Int64(timeout.nanoseconds))))
            }
        }
        let channel: any Channel
        do {
            // NIO owns (and closes) the descriptor from here on, also when registering fails.
            channel = try await DatagramBootstrap(group: eventLoop).channelInitializer(handler).withBoundSocket(descriptor).get()
        } catch {
            promise.fail(DNSFailure.socket(SystemCallError("register the DNS socket", code: (error as? IOError)?.errnoCode ?? 0)))
            throw .socket(SystemCallError("register the DNS socket", code: (error as? IOError)?.errnoCode ?? 0))
        }
        defer { channel.close(promise: nil) }
        do {
            let remote = try NIOCore.SocketAddress(packedIPAddress: ByteBuffer(bytes: server.address.bytes), port: Int(server.port))
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: query.bytes))).get()
        } catch {
            promise.fail(DNSFailure.timedOut)
            throw .socket(SystemCallError("send to \(server)", code: (error as? IOError)?.errnoCode ?? 0))
        }
        do {
            return try await promise.futureResult.get()
        } catch let failure as DNSFailure {
            throw failure
        } catch {
            throw .timedOut
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
