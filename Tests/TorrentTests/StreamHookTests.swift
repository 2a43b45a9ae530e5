import Logging
import NIOCore
import TestSupport
import Testing
@testable import Torrent

/// The engine's streaming hooks between two real engines on loopback: a stream-only torrent fetches only what a
/// reader asks for, a reader waits for a piece and reads verified bytes, evicted pieces give their disk back and
/// are fetched again when asked for, and a restart never trusts an evicted piece.
@Suite(.timeLimit(.minutes(1))) struct StreamHookTests {
    @Test func aStreamOnlyTorrentFetchesWhatIsAskedForAndEvictsIt() async throws {
        let directory = try TemporaryDirectory()
        let pieceLength = 32_768
        let torrent = try TestTorrent.make(in: directory, files: [("film.mkv", 40 * pieceLength + 123)], pieceLength: pieceLength)
        let (seeder, port) = try await EngineTests.seeder(torrent)
        let state = directory.path + "/state", save = directory.path + "/leech"
        var leecher = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await leecher.add(
            .metainfo(torrent.metainfo), savePath: save, stateDirectory: state,
            peers: [PeerAddress(text: "127.0.0.1:\(port)")!], streamOnly: true
        )
        try await Task.sleep(for: .milliseconds(300))
        #expect(await leecher.verifiedPieces(of: hash)?.setCount == 0, "nothing is fetched until a reader asks")

        await leecher.setPieceDeadlines([(7, .now), (40, .now + .milliseconds(100))], of: hash)
        try await leecher.waitForPiece(7, of: hash)
        try await leecher.waitForPiece(40, of: hash)
        let bytes = try await leecher.readVerified(piece: 7, begin: 100, length: 5_000, of: hash)
        #expect(Array(bytes.readableBytesView) == Array(torrent.data[7 * pieceLength + 100 ..< 7 * pieceLength + 5_100]))
        let tail = try await leecher.readVerified(piece: 40, begin: 0, length: 123, of: hash)
        #expect(Array(tail.readableBytesView) == Array(torrent.data.suffix(123)))
        let have = try #require(await leecher.verifiedPieces(of: hash))
        #expect(have[7] && have[40] && have.setCount <= 4, "only the asked-for pieces (and at most a couple already under way)")
        #expect(await leecher.snapshot(of: hash)?.state == .downloading, "a stream-only torrent is not complete with pieces missing")
        await #expect(throws: PieceAccessError.notVerified) { try await leecher.readVerified(piece: 20, begin: 0, length: 1, of: hash) }

        await leecher.setPieceDeadlines([], of: hash)
        let freed = try await leecher.evict([7], of: hash)
        #expect(freed == Int64(pieceLength))
        #expect(await leecher.verifiedPieces(of: hash)?[7] == false)
        await #expect(throws: PieceAccessError.notVerified) { try await leecher.readVerified(piece: 7, begin: 0, length: 1, of: hash) }

        // A restart trusts the resume data, which no longer claims the evicted piece.
        await leecher.shutdown()
        leecher = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        _ = try await leecher.add(.metainfo(torrent.metainfo), savePath: save, stateDirectory: state, streamOnly: true)
        try await waitUntil { await leecher.verifiedPieces(of: hash)?[40] == true }
        #expect(await leecher.verifiedPieces(of: hash)?[7] == false)

        // Asked for again, it comes back.
        await leecher.addPeers([PeerAddress(text: "127.0.0.1:\(port)")!], to: hash)
        await leecher.setPieceDeadlines([(7, .now)], of: hash)
        try await leecher.waitForPiece(7, of: hash)
        let again = try await leecher.readVerified(piece: 7, begin: 0, length: pieceLength, of: hash)
        #expect(Array(again.readableBytesView) == Array(torrent.data[7 * pieceLength ..< 8 * pieceLength]))
        await leecher.shutdown()
        await seeder.shutdown()
    }

    /// Half of a piece a reader waits for is asked of a peer that never answers; the other peer sends its half and
    /// falls idle. The piece must still come within a fraction of a second: once it is late by the grace, a
    /// time-critical pass asks the idle peer for the rest (nothing else would happen until the next second's tick).
    @Test func aPieceStuckOnASilentPeerComesFromTheOtherWithinAFractionOfASecond() async throws {
        let directory = try TemporaryDirectory()
        let pieceLength = 16 * BlockRequest.standardLength
        let torrent = try TestTorrent.make(in: directory, files: [("film.mkv", 20 * pieceLength)], pieceLength: pieceLength)
        let (seeder, port) = try await EngineTests.seeder(torrent)
        let silent = try await ScriptedPeer(behaviour: .silent, info: torrent.metainfo.info)
        let leecher = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await leecher.add(
            .metainfo(torrent.metainfo), savePath: directory.path + "/leech", stateDirectory: directory.path + "/state",
            peers: [PeerAddress(text: "127.0.0.1:\(port)")!, silent.address], streamOnly: true
        )
        try await waitUntil { await leecher.snapshot(of: hash)?.peers == 2 }
        for piece in [3, 9, 15] {
            let asked = ContinuousClock.now
            await leecher.setPieceDeadlines([(piece, asked)], of: hash)
            try await leecher.waitForPiece(piece, of: hash)
            let took = ContinuousClock.now - asked
            #expect(took < .milliseconds(700), "piece \(piece) took \(took)")
        }
        #expect(silent.requests > 0, "the silent peer was asked for its share")
        await leecher.shutdown()
        await silent.stop()
        await seeder.shutdown()
    }

    @Test func aStormOfSeeksKeepsThePeer() async throws {
        // Every seek cancels requests the seeder may already be answering; those late blocks must not get the
        // seeder banned as a peer that "sends blocks nobody asked for".
        let directory = try TemporaryDirectory()
        let pieceLength = 65_536
        let torrent = try TestTorrent.make(in: directory, files: [("film.mkv", 200 * pieceLength)], pieceLength: pieceLength)
        let (seeder, port) = try await EngineTests.seeder(torrent)
        let leecher = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await leecher.add(
            .metainfo(torrent.metainfo), savePath: directory.path + "/leech",
            peers: [PeerAddress(text: "127.0.0.1:\(port)")!], streamOnly: true
        )
        var random = SplitMix64(seed: 9)
        for _ in 0..<40 {
            let start = Int(random.next() % 190)
            await leecher.setPieceDeadlines((start..<start + 8).enumerated().map { ($1, .now + .milliseconds(50 * $0)) }, of: hash)
            try await leecher.waitForPiece(start, of: hash)
        }
        #expect(await leecher.peers(of: hash).count == 1, "the seeder is still connected")
        #expect(await leecher.snapshot(of: hash)?.hashFailures == 0)
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func aCancelledWaitLeavesAtOnceAndAStopEndsEveryWait() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("film.mkv", 100_000)], pieceLength: 16_384)
        let engine = Engine(configuration: EngineTests.configuration(), logger: EngineTests.logger)
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech", streamOnly: true)
        try await waitUntil { await engine.snapshot(of: hash)?.state == .downloading }

        let waiting = Task { try await engine.waitForPiece(2, of: hash) }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(ContinuousClock.now - started < .milliseconds(500))

        let second = Task { try await engine.waitForPiece(3, of: hash) }
        try await Task.sleep(for: .milliseconds(100))
        await engine.remove(hash, deleteData: true)
        await #expect(throws: PieceAccessError.stopped) { try await second.value }
        await #expect(throws: PieceAccessError.noSuchTorrent) { try await engine.waitForPiece(3, of: hash) }
        await engine.shutdown()
    }

    private func waitUntil(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { Issue.record("condition not met within 10 s"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
