#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
@testable import Netguard
import TestSupport
import Testing

/// The web server's guard against answering through the tunnel, with real sockets on the host's loopback: the
/// watch follows `lo` as if it were the tunnel, so 127.0.0.1 is "a tunnel address" and `lo` "the tunnel
/// interface". The namespace version with a real WireGuard tunnel is in `VPNLeakTests`.
@Suite struct TunnelListenerGuardTests {
    @Test func tunnelAddressesAreRecognisedInEveryForm() throws {
        let watch = try InterfaceWatch(interfaceName: "lo")
        defer { watch.stop() }
        let guarded = TunnelListenerGuard()
        #expect(!guarded.refuses(localAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 80)), "no watch yet: nothing refused")
        guarded.follow(watch)
        #expect(guarded.refuses(localAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 80)))
        #expect(guarded.refuses(localAddress: try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 80)))
        #expect(guarded.refuses(localAddress: try SocketAddress(ipAddress: "::1", port: 80)) == watch.state.addresses.contains { $0.network.address.isIPv6 })
        #expect(!guarded.refuses(localAddress: try SocketAddress(ipAddress: "192.0.2.7", port: 80)))
        #expect(!guarded.refuses(localAddress: try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 80)))
        #expect(!guarded.refuses(localAddress: nil))
    }

    @Test func theFilterProgramIsFourInstructions() {
        let program = InterfacePacketFilter.program(droppingInterface: 7)
        #expect(program.count == 32)
        #expect(program[8...9] == [0x15, 0x00] && program[12] == 7, "jeq #7 (little-endian host)")
    }

    /// A connection for a tunnel address is reset before a byte is read; with the tunnel elsewhere the same
    /// server answers.
    @Test func aConnectionForATunnelAddressIsResetAtAccept() async throws {
        let lo = try InterfaceWatch(interfaceName: "lo")
        defer { lo.stop() }
        let tunnelOnLoopback = TunnelListenerGuard()
        tunnelOnLoopback.follow(lo)
        let refusing = try await GreetingServer(guard: tunnelOnLoopback, filter: false)
        defer { refusing.close() }
        #expect(await Self.greeting(port: refusing.port) == .reset)
        #expect(tunnelOnLoopback.refusedConnections == 1)

        let absent = try InterfaceWatch(interfaceName: "rill-absent1")
        defer { absent.stop() }
        let tunnelElsewhere = TunnelListenerGuard()
        tunnelElsewhere.follow(absent)
        let answering = try await GreetingServer(guard: tunnelElsewhere, filter: true)
        defer { answering.close() }
        #expect(await Self.greeting(port: answering.port) == .greeting("hello\n"))
        #expect(tunnelElsewhere.refusedConnections == 0)
    }

    /// With the filter on the listening socket, a connection arriving on the tunnel interface is not answered at
    /// all: the SYN is dropped, the connect times out, the accept check never runs.
    @Test func aConnectionArrivingOnTheTunnelInterfaceGetsNoAnswer() async throws {
        let lo = try InterfaceWatch(interfaceName: "lo")
        defer { lo.stop() }
        let guarded = TunnelListenerGuard()
        guarded.follow(lo)
        let server = try await GreetingServer(guard: guarded, filter: true)
        defer { server.close() }
        try await Task.sleep(for: .milliseconds(100))  // the filter is set on the server's event loop
        #expect(await Self.greeting(port: server.port) == .timedOut)
        #expect(guarded.refusedConnections == 0)
    }

    enum Outcome: Equatable {
        case greeting(String)
        case reset
        case closed
        case timedOut
        case failed(Int32)
    }

    /// Connects to 127.0.0.1:`port` (1 s to connect) and reads what the server says first.
    static func greeting(port: Int) async -> Outcome {
        await offPool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected != 0 { return errno == EINPROGRESS || errno == EAGAIN || errno == ETIMEDOUT ? .timedOut : .failed(errno) }
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { return .greeting(String(decoding: buffer[0..<count], as: UTF8.self)) }
            if count == 0 { return .closed }
            return errno == ECONNRESET ? .reset : errno == EAGAIN ? .timedOut : .failed(errno)
        }
    }
}

/// A NIO server on 127.0.0.1 whose connections are guarded like the web server's and that greets each one.
private final class GreetingServer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(guard guarded: TunnelListenerGuard, filter: Bool) async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([guarded.makeConnectionHandler(), Greeter()])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        if filter { guarded.attach(listener: channel) }
    }

    func close() { channel.close(promise: nil) }

    private final class Greeter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "hello\n")), promise: nil)
        }
    }
}
