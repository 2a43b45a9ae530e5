import Foundation
@testable import Netguard
import Testing
import Torrent

/// The resolver against real servers on loopback, its sockets bound to `lo` with SO_BINDTODEVICE, as they are
/// bound to the VPN interface on the device.
@Suite struct TunnelDNSResolverTests {
    static let lo = NetworkBinding(interfaceName: "lo", sourceAddress: "127.0.0.1", allowsIPv6: true)
    static let loIPv4Only = NetworkBinding(interfaceName: "lo", sourceAddress: "127.0.0.1", allowsIPv6: false)

    static func server(_ port: UInt16) -> DNSServer { DNSServer(address: IPAddress(text: "127.0.0.1")!, port: port) }

    static func fast() -> TunnelDNSResolver.Options {
        var options = TunnelDNSResolver.Options()
        options.attemptTimeout = .milliseconds(300)
        options.attempts = 2
        options.budget = .seconds(1)
        return options
    }

    static func failure(_ body: () async throws(DNSFailure) -> [IPAddress]) async -> DNSFailure? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test(.enabled(if: Dnsmasq.unavailableReason == nil, "\(Dnsmasq.unavailableReason ?? "")"))
    func resolvesThroughABoundSocket() async throws {
        let dnsmasq = try Dnsmasq()
        let resolver = TunnelDNSResolver(servers: [Self.server(dnsmasq.port)], binding: Self.lo)
        #expect(try await resolver.resolve(host: "tracker.test") == [[10, 1, 2, 3]])
        // A CNAME followed within the answer; IPv4 first, then IPv6; case and a trailing dot do not matter.
        #expect(try await resolver.addresses(of: "Alias.TEST.").map(\.description) == ["10.1.2.4", "fd00::4"])
        #expect(try await resolver.addresses(of: "[::1]").map(\.description) == ["::1"])
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "nothing.test") } == .nameNotFound)
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "bad name!") } == .invalidName)
        await #expect(throws: DNSResolutionError(host: "nothing.test", failure: .nameNotFound)) {
            try await resolver.resolve(host: "nothing.test")
        }
        #expect(dnsmasq.queryLog.contains("query[A] tracker.test from 127.0.0.1"))
    }

    @Test(.enabled(if: Dnsmasq.unavailableReason == nil, "\(Dnsmasq.unavailableReason ?? "")"))
    func noIPv6UnlessTheBindingAllowsIt() async throws {
        let dnsmasq = try Dnsmasq()
        let resolver = TunnelDNSResolver(servers: [Self.server(dnsmasq.port), DNSServer(address: IPAddress(text: "::1")!, port: 1)],
                                         binding: Self.loIPv4Only)
        #expect(try await resolver.addresses(of: "alias.test").map(\.description) == ["10.1.2.4"])
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "::1") } == .ipv6NotAllowed)
        #expect(!dnsmasq.queryLog.contains("query[AAAA]"))
    }

    /// 120 AAAA records (3 KiB) do not fit the 1232 bytes the query offers: dnsmasq answers truncated over UDP
    /// and the resolver asks again over TCP, on a socket bound like the UDP ones. Only TCP can bring more
    /// records than fit a datagram (~43 AAAA); the parser keeps the first 64.
    @Test(.enabled(if: Dnsmasq.unavailableReason == nil, "\(Dnsmasq.unavailableReason ?? "")"))
    func aTruncatedAnswerIsAskedAgainOverTCP() async throws {
        let records = (1...120).map { "--host-record=big.test,fd00::b:\(String($0, radix: 16))" }
        let dnsmasq = try Dnsmasq(extraRecords: records)
        let resolver = TunnelDNSResolver(servers: [Self.server(dnsmasq.port)], binding: Self.lo)
        let addresses = try await resolver.addresses(of: "big.test")
        #expect(addresses.count == DNSResponse.maxAnswers, "\(addresses.count) addresses")
        #expect(addresses.allSatisfy { $0.description.hasPrefix("fd00::b:") })
        let asked = dnsmasq.queryLog.split(separator: "\n").filter { $0.contains("query[AAAA] big.test from 127.0.0.1") }
        #expect(asked.count == 2, "UDP, then TCP: \(asked)")
        // Bound like every engine socket: a missing interface fails the TCP exchange as it fails UDP.
        let missing = TunnelDNSResolver(servers: [Self.server(dnsmasq.port)],
                                        binding: NetworkBinding(interfaceName: "rill-absent0", sourceAddress: nil, allowsIPv6: false))
        let failure = await Self.failure { () throws(DNSFailure) in try await missing.addresses(of: "big.test") }
        guard case .interfaceUnavailable? = failure else {
            Issue.record("expected interfaceUnavailable, got \(String(describing: failure))")
            return
        }
    }

    /// When TCP cannot be had (nothing listens on the server's TCP port), a truncated answer's records are used
    /// if it has any, and a truncated answer without any is `.truncated`.
    @Test func withoutTCPATruncatedAnswerIsUsedIfItHoldsAddresses() async throws {
        let partial = try FakeDNSServer { query in
            var reply = FakeDNSServer.answer(query, address: [10, 9, 8, 7])
            if reply.count > 2 { reply[2] |= 0x02 }  // TC
            return [reply]
        }
        let resolver = TunnelDNSResolver(servers: [Self.server(partial.port)], binding: Self.loIPv4Only, options: Self.fast())
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.9.8.7"])
        let empty = try FakeDNSServer { query in
            var reply = FakeDNSServer.answer(query, address: [10, 9, 8, 7])
            guard reply.count > 12 else { return [] }
            reply[2] |= 0x02
            reply[7] = 0  // no answer record (the record bytes after the question are then ignored)
            return [Array(reply[0..<(reply.count - 16)])]
        }
        let none = TunnelDNSResolver(servers: [Self.server(empty.port)], binding: Self.loIPv4Only, options: Self.fast())
        #expect(await Self.failure { () throws(DNSFailure) in try await none.addresses(of: "tracker.test") } == .truncated)
    }

    @Test func offlineSendsNothing() async throws {
        let fake = try FakeDNSServer { [FakeDNSServer.answer($0, address: [10, 9, 8, 7])] }
        let resolver = TunnelDNSResolver(servers: [Self.server(fake.port)], binding: nil)
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "tracker.test") } == .offline)
        resolver.update(binding: Self.loIPv4Only)
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.9.8.7"])
        resolver.update(binding: nil)
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "other.test") } == .offline)
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "tracker.test") } == .offline)
        #expect(fake.queries.map(\.name) == ["tracker.test"])
    }

    @Test(.enabled(if: Dnsmasq.unavailableReason == nil, "\(Dnsmasq.unavailableReason ?? "")"))
    func answersAreCachedUntilTheBindingChanges() async throws {
        let dnsmasq = try Dnsmasq()
        let resolver = TunnelDNSResolver(servers: [Self.server(dnsmasq.port)], binding: Self.loIPv4Only, options: Self.fast())
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.1.2.3"])
        dnsmasq.stop()
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.1.2.3"])
        resolver.update(binding: NetworkBinding(interfaceName: "lo", sourceAddress: nil, allowsIPv6: false))
        let failure = await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "tracker.test") }
        #expect(failure != nil && failure != .offline)
    }

    @Test func silentServersTimeOutWithinTheBudget() async throws {
        let silent = try FakeDNSServer { _ in [] }
        let other = try FakeDNSServer { _ in [] }
        let resolver = TunnelDNSResolver(servers: [Self.server(silent.port), Self.server(other.port)], binding: Self.loIPv4Only,
                                         options: Self.fast())
        let start = ContinuousClock.now
        #expect(await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "tracker.test") } == .timedOut)
        let elapsed = ContinuousClock.now - start
        // The budget is 1 s. The upper bound only proves there is no hang: with the whole suite on two cores,
        // timers here have been seen firing seconds late.
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(6), "took \(elapsed)")
        // Asked in turn (300 ms each within the 1 s budget): both servers, at most twice each.
        let counts = (silent.queries.count, other.queries.count)
        #expect((1...2).contains(counts.0) && (1...2).contains(counts.1), "\(counts.0) + \(counts.1)")
    }

    @Test func fallsBackToTheNextServer() async throws {
        let refused = try Dnsmasq.freeUDPPort()  // nothing listens: ICMP port unreachable
        let good = try FakeDNSServer { [FakeDNSServer.answer($0, address: [10, 9, 8, 7])] }
        let resolver = TunnelDNSResolver(servers: [Self.server(refused), Self.server(good.port)], binding: Self.loIPv4Only,
                                         options: Self.fast())
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.9.8.7"])
    }

    @Test func repliesThatDoNotMatchAreIgnored() async throws {
        let server = try FakeDNSServer { query in
            [
                FakeDNSServer.answer(query, id: (UInt16(query[0]) << 8 | UInt16(query[1])) &+ 1, address: [6, 6, 6, 6]),
                FakeDNSServer.answer(query, name: "evil.test", address: [6, 6, 6, 7]),
                [0xFF, 0x00, 0x12],
                FakeDNSServer.answer(query, address: [10, 9, 8, 7]),
            ]
        }
        let resolver = TunnelDNSResolver(servers: [Self.server(server.port)], binding: Self.loIPv4Only, options: Self.fast())
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.9.8.7"])
        // Random ids and source ports: 12 look-ups, 12 different of each (a collision is ~1 in 5000 for ids).
        for index in 0..<12 { _ = try await resolver.addresses(of: "n\(index).test") }
        let queries = server.queries.suffix(12)
        #expect(Set(queries.map(\.id)).count >= 11)
        #expect(Set(queries.map(\.sourcePort)).count >= 11)
    }

    @Test func aMissingInterfaceFailsAtOnce() async throws {
        let server = try FakeDNSServer { [FakeDNSServer.answer($0, address: [10, 9, 8, 7])] }
        let resolver = TunnelDNSResolver(servers: [Self.server(server.port)],
                                         binding: NetworkBinding(interfaceName: "rill-absent0", sourceAddress: nil, allowsIPv6: false))
        let failure = await Self.failure { () throws(DNSFailure) in try await resolver.addresses(of: "tracker.test") }
        guard case .interfaceUnavailable(let error) = failure else {
            Issue.record("expected interfaceUnavailable, got \(String(describing: failure))")
            return
        }
        #expect(error.code == ENODEV)
        #expect(server.queries.isEmpty)
    }
}
