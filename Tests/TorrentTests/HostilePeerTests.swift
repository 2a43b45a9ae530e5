import Logging
import NIOCore
import TestSupport
import Testing
@testable import Torrent

/// Peers that lie, stall or break the protocol: the engine drops them, keeps going, and finishes from honest peers.
@Suite(.timeLimit(.minutes(1))) struct HostilePeerTests {
    static func waitFor(_ condition: () async -> Bool) async throws {
        for _ in 0..<500 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 10 s")
    }

    @Test func corruptBlocksFailTheHashAndTheSenderIsBanned() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 200_000)], pieceLength: 32_768)
        let liar = try await ScriptedPeer(behaviour: .corruptBlocks, info: torrent.metainfo.info)
        let engine = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [liar.address])
        try await Self.waitFor { await engine.snapshot(of: hash)?.hashFailures ?? 0 >= 1 }
        try await Self.waitFor { liar.closes == liar.connections }

        let (seeder, port) = try await EngineTests.seeder(torrent)
        await engine.addPeers([liar.address, PeerAddress(text: "127.0.0.1:\(port)")!], to: hash)
        try await engine.waitUntilComplete(hash)
        #expect(torrent.downloaded(at: directory.path + "/leech") == torrent.data)
        #expect(liar.connections == 1)  // banned: never dialled again
        await engine.shutdown()
        await seeder.shutdown()
        await liar.stop()
    }

    @Test func requestsToASilentPeerGoToAnotherAfterTheTimeout() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 100_000)], pieceLength: 16_384)
        let silent = try await ScriptedPeer(behaviour: .silent, info: torrent.metainfo.info)
        let engine = Engine(configuration: EngineTests.configuration { $0.requestTimeoutSeconds = 1 }, logger: EngineTests.logger)
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [silent.address])
        try await Self.waitFor { silent.requests > 0 }
        let (seeder, port) = try await EngineTests.seeder(torrent)
        await engine.addPeers([PeerAddress(text: "127.0.0.1:\(port)")!], to: hash)
        try await engine.waitUntilComplete(hash)
        #expect(torrent.downloaded(at: directory.path + "/leech") == torrent.data)
        await engine.shutdown()
        await seeder.shutdown()
        await silent.stop()
    }

    @Test(arguments: [ScriptedPeer.Behaviour.wrongBitfield, .oversizedMessage])
    func protocolBreakersAreDisconnected(behaviour: ScriptedPeer.Behaviour) async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 50_000)], pieceLength: 16_384)
        let breaker = try await ScriptedPeer(behaviour: behaviour, info: torrent.metainfo.info)
        let engine = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [breaker.address])
        try await Self.waitFor { breaker.connections == 1 && breaker.closes == 1 }
        #expect(await engine.snapshot(of: hash)?.peers == 0)
        let (seeder, port) = try await EngineTests.seeder(torrent)
        await engine.addPeers([PeerAddress(text: "127.0.0.1:\(port)")!], to: hash)
        try await engine.waitUntilComplete(hash)
        await engine.shutdown()
        await seeder.shutdown()
        await breaker.stop()
    }

    @Test func aLeecherAskingPastTheEndIsDisconnectedAndSeedingGoesOn() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 50_000)], pieceLength: 16_384)
        let (seeder, port) = try await EngineTests.seeder(torrent)
        let connection = try RawHTTPConnection(port: port, timeoutSeconds: 5)
        var bytes = ByteBuffer()
        Handshake(infoHash: torrent.metainfo.infoHash, peerID: .random()).write(into: &bytes)
        PeerMessage.interested.write(into: &bytes)
        PeerMessage.request(BlockRequest(piece: 3, begin: 16_000, length: 16_384)).write(into: &bytes)
        #expect(connection.send(Array(bytes.readableBytesView)))
        #expect(await connection.closedByServer())

        let leecher = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await leecher.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", peers: [PeerAddress(text: "127.0.0.1:\(port)")!])
        try await leecher.waitUntilComplete(hash)
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
