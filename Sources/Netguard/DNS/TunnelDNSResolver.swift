import Logging
import NIOCore
import NIOPosix
import Synchronization
import Torrent

/// The engine's `HostResolver` while a VPN is configured: asks the tunnel's DNS servers (the `DNS =` of the
/// WireGuard file) for A — and AAAA when the binding allows IPv6 — over UDP sockets bound to the VPN interface
/// and its address. Never libc's resolver, never the host's routes: with no binding (tunnel down) every look-up
/// fails at once with `.offline` and nothing is sent. A truncated answer is asked again over TCP, bound the same way.
///
/// Answers are cached for their TTL in a bounded cache; the cache is emptied when the binding or the servers
/// change. Waiting is done by a NIO event loop (no thread is held while a server is silent); at most
/// `maxConcurrentLookups` look-ups run at once, each within `budget`.
public final class TunnelDNSResolver: HostResolver, Sendable {
    /// Bounds and timings.
    public struct Options: Sendable {
        /// How long to wait for one server's answer.
        public var attemptTimeout: Duration = .milliseconds(1500)
        /// Rounds over the server list.
        public var attempts = 2
        /// The most one look-up may take, all servers and rounds included.
        public var budget: Duration = .seconds(5)
        public var maxConcurrentLookups = 8
        public var cacheCapacity = 512
        public var minimumTTL: Duration = .seconds(5)
        public var maximumTTL: Duration = .seconds(3600)
        public var maxCNAMEChain = 8

        public init() {}
    }

    private struct Configuration {
        var servers: [DNSServer]
        var binding: NetworkBinding?
        var cache: DNSCache
        var running = 0
        var opener = BoundUDPSocket.defaultOpener
        /// Bumped on every change, so an answer obtained under an old binding is not cached.
        var generation = 0
    }

    private let options: Options
    private let group: any EventLoopGroup
    private let logger: Logger
    private let configuration: Mutex<Configuration>

    /// - Parameters:
    ///   - servers: the tunnel's DNS servers.
    ///   - binding: the VPN interface and address (from `InterfaceState.binding`); `nil` while the tunnel is down.
    public init(servers: [DNSServer], binding: NetworkBinding?, options: Options = Options(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "rill.netguard.dns")) {
        self.options = options
        self.group = group
        self.logger = logger
        configuration = Mutex(Configuration(
            servers: servers, binding: binding,
            cache: DNSCache(capacity: options.cacheCapacity, minimumTTL: options.minimumTTL, maximumTTL: options.maximumTTL)))
    }

    /// The kill switch calls this on every interface change: `nil` closes DNS, a new binding re-opens it.
    public func update(binding: NetworkBinding?) {
        configuration.withLock { config in
            guard config.binding != binding else { return }
            config.binding = binding
            config.generation += 1
            config.cache.removeAll()
        }
    }

    /// Tests open sockets inside another network namespace with this.
    func setSocketOpener(_ opener: @escaping DatagramSocketOpener) {
        configuration.withLock { $0.opener = opener }
    }

    /// New servers (a new WireGuard file).
    public func update(servers: [DNSServer]) {
        configuration.withLock { config in
            config.servers = servers
            config.generation += 1
            config.cache.removeAll()
        }
    }

    public func resolve(host: String) async throws -> [[UInt8]] {
        do {
            return try await addresses(of: host).map(\.bytes)
        } catch {
            logger.debug("engine DNS: cannot resolve \(host): \(error)")
            throw DNSResolutionError(host: host, failure: error)
        }
    }

    /// IPv4 addresses first, then IPv6 (only when the binding allows it).
    public func addresses(of host: String) async throws(DNSFailure) -> [IPAddress] {
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        let allowsIPv6 = configuration.withLock { $0.binding?.allowsIPv6 ?? false }
        if let literal = IPAddress(text: text) {
            guard literal.isIPv4 || allowsIPv6 else { throw .ipv6NotAllowed }
            return [literal]
        }
        guard DNSName.encode(text) != nil else { throw .invalidName }
        let name = String(text).lowercased()
        let (ticket, cached) = try begin(name)
        if let cached { return cached }
        defer { configuration.withLock { $0.running -= 1 } }

        let lookup = ticket.lookup
        async let v4 = Self.result { () async throws(DNSFailure) in try await lookup.addresses(of: name, type: .a) }
        async let v6 = ticket.binding.allowsIPv6
            ? Self.result { () async throws(DNSFailure) in try await lookup.addresses(of: name, type: .aaaa) } : .success(([], 0))
        let (four, six) = await (v4, v6)
        let found: [IPAddress]
        let ttl: UInt32
        switch (four, six) {
        case (.failure(let error), .failure):
            throw error
        case (.failure(let error), .success(let six)):
            guard !six.addresses.isEmpty else { throw error }
            (found, ttl) = six
        case (.success(let four), .failure):
            (found, ttl) = four
        case (.success(let four), .success(let six)):
            found = four.addresses + six.addresses
            ttl = [four, six].filter { !$0.addresses.isEmpty }.map(\.ttl).min() ?? 0
        }
        guard !found.isEmpty else { throw .noAddresses }
        configuration.withLock { config in
            guard config.generation == ticket.generation else { return }
            config.cache.insert(found, for: .init(name: name, includesIPv6: ticket.binding.allowsIPv6), ttl: ttl, now: .now)
        }
        return found
    }

    /// What one look-up runs with, captured under the lock.
    private struct Ticket {
        let lookup: DNSLookup
        let binding: NetworkBinding
        let generation: Int
    }

    /// Checks the binding, the cache and the concurrency bound; on a miss reserves a slot.
    private func begin(_ name: String) throws(DNSFailure) -> (Ticket, [IPAddress]?) {
        try configuration.withLock { config throws(DNSFailure) -> (Ticket, [IPAddress]?) in
            guard let binding = config.binding else { throw .offline }
            let source = binding.sourceAddress.flatMap { IPAddress(text: $0) }
            let servers = config.servers.filter { $0.address.isIPv4 || binding.allowsIPv6 }
            let exchange = DNSExchange(interfaceName: binding.interfaceName, sourceAddress: source, group: group,
                                       opener: config.opener, ipv6SourceAddress: binding.ipv6SourceAddress.flatMap { IPAddress(text: $0) })
            let lookup = DNSLookup(exchange: exchange, servers: servers, attemptTimeout: options.attemptTimeout,
                                   attempts: options.attempts, budget: options.budget, maxCNAMEChain: options.maxCNAMEChain)
            let ticket = Ticket(lookup: lookup, binding: binding, generation: config.generation)
            if let cached = config.cache.lookup(.init(name: name, includesIPv6: binding.allowsIPv6), now: .now) {
                return (ticket, cached)
            }
            guard !servers.isEmpty else { throw .noServers }
            guard config.running < options.maxConcurrentLookups else { throw .busy }
            config.running += 1
            return (ticket, nil)
        }
    }

    private static func result(_ body: () async throws(DNSFailure) -> (addresses: [IPAddress], ttl: UInt32)) async
        -> Result<(addresses: [IPAddress], ttl: UInt32), DNSFailure> {
        do throws(DNSFailure) { return .success(try await body()) } catch { return .failure(error) }
    }
}
