import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing
@testable import Torrent

/// The engine's network switch (what the VPN kill switch drives) and the binding of peer sockets, on loopback:
/// offline dials and accepts nobody, online (bound to `lo`) resumes, offline again closes every connection
/// within a second, and a binding to an interface that does not exist never falls back to "any".
@Suite(.serialized) struct EngineNetworkTests {
    static let loopback = NetworkBinding(interfaceName: "lo", sourceAddress: "127.0.0.1", allowsIPv6: false)

    @Test func offlineDialsNobodyOnlineResumesAndOfflineAgainClosesEveryPeer() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 50_000)], pieceLength: 16_384)
        let peer = try await ScriptedPeer(behaviour: .silent, info: torrent.metainfo.info)
        let engine = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        await engine.setNetwork(.offline(reason: "no VPN yet"))
        #expect(engine.networkState.offlineReason == "no VPN yet")
        _ = try await engine.listen()
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [peer.address])
        try await Task.sleep(for: .milliseconds(1500))
        #expect(peer.connections == 0)
        #expect(engine.listener.boundPort == nil)

        await engine.setNetwork(.online(Self.loopback, resolver: LiteralHostResolver()))
        try await Self.waitFor { peer.connections == 1 }
        try await Self.waitFor { await engine.snapshot(of: hash)?.peers == 1 }
        let port = try #require(engine.listener.boundPort)
        #expect(Self.canConnect(port: port))

        let start = ContinuousClock.now
        await engine.setNetwork(.offline(reason: "wg0 is down"))
        try await Self.waitFor { peer.closes == 1 }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(1), "closing took \(elapsed)")
        #expect(!Self.canConnect(port: port))
        try await Task.sleep(for: .milliseconds(1200))
        #expect(peer.connections == 1)

        // Back: the same peer is dialled again at once (the outage did not block it), the listener has its port.
        await engine.setNetwork(.online(Self.loopback, resolver: LiteralHostResolver()))
        try await Self.waitFor { peer.connections == 2 }
        #expect(engine.listener.boundPort == port)
        await engine.shutdown()
        await peer.stop()
    }

    @Test func aMissingInterfaceNeverFallsBackToAny() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 50_000)], pieceLength: 16_384)
        let peer = try await ScriptedPeer(behaviour: .silent, info: torrent.metainfo.info)
        let missing = NetworkBinding(interfaceName: "rillnone0", sourceAddress: nil, allowsIPv6: false)
        let engine = Engine(configuration: EngineTests.configuration { $0.binding = missing }, logger: EngineTests.logger)
        await #expect(throws: (any Error).self) { try await engine.listen() }
        _ = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [peer.address])
        try await Task.sleep(for: .milliseconds(1500))
        #expect(peer.connections == 0)
        await engine.shutdown()
        await peer.stop()
    }

    @Test func aSourceAddressThatIsNotThereFailsTheDial() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 50_000)], pieceLength: 16_384)
        let peer = try await ScriptedPeer(behaviour: .silent, info: torrent.metainfo.info)
        // 192.0.2.1 (TEST-NET-1) is on no interface here: bind() fails with EADDRNOTAVAIL, nothing is sent.
        let gone = NetworkBinding(interfaceName: "lo", sourceAddress: "192.0.2.1", allowsIPv6: false)
        let engine = Engine(configuration: EngineTests.configuration { $0.binding = gone }, logger: EngineTests.logger)
        _ = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [peer.address])
        try await Task.sleep(for: .milliseconds(1500))
        #expect(peer.connections == 0)
        await engine.shutdown()
        await peer.stop()
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func waitFor(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within \(timeout)")
    }
}
