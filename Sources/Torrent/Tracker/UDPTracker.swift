import NIOCore
import NIOPosix

/// Announces to UDP trackers (BEP 15) over NIO datagram channels.
///
/// Contract:
/// - One announce opens one datagram socket (``UDPTrackerSocket``: bound to the binding's interface and/or
///   source address before NIO sees it), exchanges connect and announce, and closes it.
/// - Connection ids are reused for ``Configuration/connectionIDLifetime`` (≤ 60 s) per tracker address and
///   binding. An id is re-fetched when it expires during retransmits, when an announce with a reused id gets
///   no answer, and after an error action.
/// - Retransmission: after n unanswered transmissions (connect and announce counted together) the next one
///   waits `initialTimeout · 2ⁿ` for its answer (BEP 15: 15 s · 2ⁿ). After ``Configuration/maxAttempts``
///   unanswered transmissions, or when the call's `timeout` runs out (each wait is cut to what remains), the
///   announce fails with ``TrackerError/Reason/timeout(seconds:)``.
/// - Transaction ids are random per transmission; answers with other ids or from other addresses are
///   ignored. A matching answer that does not parse is a ``TrackerError/Reason/malformedResponse(what:offset:)``;
///   an error action is a ``TrackerError/Reason/failure(_:)``.
/// - Peers are 6-byte entries when the tracker was reached over IPv4, 18-byte entries over IPv6.
/// - Host names go through the engine's ``HostResolver``; the first address the binding allows is used.
public final class UDPTracker: TrackerClient {
    /// Retransmission and cache settings.
    public struct Configuration: Sendable {
        /// The wait after the first transmission (BEP 15: 15 s); doubles with each retransmission.
        public var initialTimeout: Duration = .seconds(15)
        /// Most unanswered transmissions of one announce (connect and announce requests together), at least 1.
        public var maxAttempts = 4
        /// How long a connection id is reused; longer values are cut to BEP 15's one minute.
        public var connectionIDLifetime: Duration = .seconds(60)
        /// Largest datagram read; longer ones are truncated and then fail to parse.
        public var maxDatagramSize = 8192
        /// Most cached connection ids.
        public var maxCachedConnectionIDs = 128

        public init() {}
    }

    private let group: any EventLoopGroup
    private let resolver: any HostResolver
    private let configuration: Configuration
    let connectionIDs: UDPConnectionIDCache

    /// - Parameters:
    ///   - group: the event loops the datagram channels run on.
    ///   - resolver: the engine's resolver (Netguard's, over the tunnel).
    public init(group: any EventLoopGroup, resolver: any HostResolver, configuration: Configuration = Configuration()) {
        var configuration = configuration
        configuration.connectionIDLifetime = min(configuration.connectionIDLifetime, .seconds(60))
        self.group = group
        self.resolver = resolver
        self.configuration = configuration
        connectionIDs = UDPConnectionIDCache(
            lifetime: configuration.connectionIDLifetime,
            capacity: configuration.maxCachedConnectionIDs
        )
    }

    public func announce(
        _ request: AnnounceRequest, to url: TrackerURL, binding: NetworkBinding, timeout: Duration
    ) async throws(TrackerError) -> AnnounceResponse {
        guard url.scheme == .udp else { throw TrackerError(url: url.text, reason: .unsupportedScheme(url.scheme.rawValue)) }
        let deadline = ContinuousClock.now + timeout
        let addresses = try await BoundAddressResolution.addresses(for: url, binding: binding, resolver: resolver)
        let address = addresses[0]
        let ipv6 = address.count == 16
        let remote: SocketAddress
        do {
            remote = try SocketAddress(
                ipAddress: IPAddressText.format(address),
                port: Int(url.port)
            )
        } catch {
            throw TrackerError(url: url.text, reason: .resolution(host: url.host, reason: "unusable address: \(error)"))
        }
        let channel = try await openChannel(remote: remote, ipv6: ipv6, binding: binding, url: url)
        defer { channel.close(promise: nil) }
        let exchange = UDPTrackerExchange(
            channel: channel,
            request: request,
            ipv6: ipv6,
            deadline: deadline,
            configuration: configuration,
            cache: connectionIDs,
            cacheKey: .init(tracker: "\(remote)", interface: binding.interfaceName, source: binding.sourceAddress)
        )
        let result: Result<AnnounceResponse, TrackerError.Reason> = await withTaskCancellationHandler {
            do throws(TrackerError.Reason) {
                return .success(try await exchange.run())
            } catch {
                return .failure(error)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
        switch result {
        case .success(let response): return response
        case .failure(let reason): throw TrackerError(url: url.text, reason: Task.isCancelled ? .cancelled : reason)
        }
    }

    private func openChannel(
        remote: SocketAddress, ipv6: Bool, binding: NetworkBinding, url: TrackerURL
    ) async throws(TrackerError) -> any Channel {
        let descriptor: CInt
        do {
            descriptor = try UDPTrackerSocket.open(ipv6: ipv6, binding: binding)
        } catch {
            throw TrackerError(url: url.text, reason: error)
        }
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: max(64, configuration.maxDatagramSize)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPTrackerExchangeHandler(remote: remote))
                }
            }
        do {
            return try await bootstrap.withBoundSocket(descriptor).get()
        } catch {
            throw TrackerError(url: url.text, reason: .network("cannot open UDP channel: \(error)"))
        }
    }
}
