import Logging
import NIOCore
import NIOPosix
import TestSupport
import Testing
@testable import Torrent

/// Two real engines on loopback sockets: one seeds, one downloads.
@Suite(.timeLimit(.minutes(1))) struct EngineTests {
    static func configuration(_ change: (inout EngineConfiguration) -> Void = { _ in }) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        configuration.listenHost = "127.0.0.1"
        change(&configuration)
        return configuration
    }

    static let logger = Logger(label: "test.engine")

    /// Starts an engine seeding `torrent` from its seed folder; returns it and its port.
    static func seeder(_ torrent: TestTorrent, configuration: EngineConfiguration = configuration()) async throws -> (Engine, Int) {
        let engine = Engine(configuration: configuration, logger: logger)
        let port = try await engine.listen()
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: torrent.seedPath)
        try await engine.waitUntilComplete(hash)
        return (engine, port)
    }

    @Test func downloadsAMultiFileTorrentFromAnotherEngine() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(
            in: directory, files: [("a.bin", 100_000), ("sub/b.bin", 250_001), ("empty", 0), ("c.bin", 7)], pieceLength: 32_768
        )
        let (seeder, port) = try await Self.seeder(torrent)
        let leecher = Engine(configuration: Self.configuration(), logger: Self.logger)
        let hash = try await leecher.add(
            .metainfo(torrent.metainfo), savePath: directory.path + "/leech", stateDirectory: directory.path + "/state",
            peers: [PeerAddress(text: "127.0.0.1:\(port)")!]
        )
        try await leecher.waitUntilComplete(hash)
        #expect(torrent.downloaded(at: directory.path + "/leech") == torrent.data)
        let snapshot = try #require(await leecher.snapshot(of: hash))
        #expect(snapshot.state == .seeding && snapshot.piecesVerified == snapshot.pieces && snapshot.hashFailures == 0)
        #expect(await leecher.files(of: hash).map(\.path) == ["payload/a.bin", "payload/sub/b.bin", "payload/empty", "payload/c.bin"])
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func magnetFetchesTheMetadataFromPeers() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("film.mkv", 300_000)], pieceLength: 16_384)
        let (seeder, port) = try await Self.seeder(torrent)
        let magnet = try MagnetLink("magnet:?xt=urn:btih:\(torrent.metainfo.infoHash.hex)&x.pe=127.0.0.1:\(port)")
        let leecher = Engine(configuration: Self.configuration(), logger: Self.logger)
        let hash = try await leecher.add(.magnet(magnet), savePath: directory.path + "/leech", stateDirectory: directory.path + "/state")
        try await leecher.waitUntilComplete(hash)
        #expect(torrent.downloaded(at: directory.path + "/leech") == torrent.data)
        // The fetched metadata is saved off the loop: it may land just after completion.
        let saved = directory.path + "/state/\(hash.hex).torrent"
        let deadline = ContinuousClock.now + .seconds(5)
        while AtomicFile.read(saved, limit: 1 << 20) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(AtomicFile.read(saved, limit: 1 << 20) != nil)
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func skippedFilesAreNotDownloaded() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("keep.bin", 64 * 1024), ("skip.bin", 256 * 1024)], pieceLength: 16_384)
        let (seeder, port) = try await Self.seeder(torrent)
        let leecher = Engine(configuration: Self.configuration(), logger: Self.logger)
        let hash = try await leecher.add(
            .metainfo(torrent.metainfo), savePath: directory.path + "/leech",
            peers: [PeerAddress(text: "127.0.0.1:\(port)")!], filePriorities: [.normal, .skip]
        )
        try await leecher.waitUntilComplete(hash)
        let snapshot = try #require(await leecher.snapshot(of: hash))
        #expect(snapshot.wantedBytes == 64 * 1024 && snapshot.verifiedBytes == 64 * 1024)
        #expect(AtomicFile.read(directory.path + "/leech/payload/skip.bin", limit: 1) == nil)
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func restartResumesWithoutDownloadingAgain() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 200_000)], pieceLength: 16_384)
        let (seeder, port) = try await Self.seeder(torrent)
        let peers = [PeerAddress(text: "127.0.0.1:\(port)")!]
        let leech = directory.path + "/leech", state = directory.path + "/state"
        let first = Engine(configuration: Self.configuration(), logger: Self.logger)
        let hash = try await first.add(.metainfo(torrent.metainfo), savePath: leech, stateDirectory: state, peers: peers)
        try await first.waitUntilComplete(hash)
        await first.shutdown()
        await seeder.shutdown()

        // No seeder now: completion can only come from the data on disk.
        let second = Engine(configuration: Self.configuration(), logger: Self.logger)
        _ = try await second.add(.metainfo(torrent.metainfo), savePath: leech, stateDirectory: state)
        try await second.waitUntilComplete(hash)
        #expect(await second.snapshot(of: hash)?.downloadedBytes == 0)
        await second.shutdown()
    }

    @Test func damagedDataIsFoundByTheRecheck() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 100_000)], pieceLength: 16_384)
        // Copy the payload with one byte changed in piece 2: a re-check must find exactly that piece missing.
        var damaged = torrent.data
        damaged[2 * 16_384 + 5] ^= 0xFF
        AtomicFile.makeFolders(directory.path + "/leech")
        try AtomicFile.write(damaged, to: directory.path + "/leech/x.bin")
        let engine = Engine(configuration: Self.configuration(), logger: Self.logger)
        let hash = try await engine.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech")
        for _ in 0..<100 where await engine.snapshot(of: hash)?.state == .checking {
            try await Task.sleep(for: .milliseconds(20))
        }
        let snapshot = try #require(await engine.snapshot(of: hash))
        #expect(snapshot.state == .downloading)
        #expect(snapshot.piecesVerified == snapshot.pieces - 1)
        await engine.shutdown()
    }
}

@Suite(.timeLimit(.minutes(1))) struct RateLimitTests {
    @Test func uploadAndDownloadLimitsHoldTheRate() async throws {
        let directory = try TemporaryDirectory()
        let size = 768 * 1024
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", size)], pieceLength: 65_536)
        for side in ["upload", "download"] {
            let (seeder, port) = try await EngineTests.seeder(torrent, configuration: EngineTests.configuration {
                if side == "upload" { $0.uploadRateLimit = 512 * 1024 }
            })
            let leecher = Engine(configuration: EngineTests.configuration {
                if side == "download" { $0.downloadRateLimit = 512 * 1024 }
            }, logger: EngineTests.logger)
            let start = ContinuousClock.now
            let hash = try await leecher.add(.metainfo(torrent.metainfo), savePath: directory.path + "/leech-\(side)", peers: [PeerAddress(text: "127.0.0.1:\(port)")!])
            try await leecher.waitUntilComplete(hash)
            let elapsed = ContinuousClock.now - start
            // 768 KiB at 512 KiB/s with a 64 KiB burst: at least 1.3 s; unlimited it takes milliseconds.
            #expect(elapsed > .milliseconds(1300), "\(side) limit: \(elapsed)")
            #expect(torrent.downloaded(at: directory.path + "/leech-\(side)") == torrent.data)
            await leecher.shutdown()
            await seeder.shutdown()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct PeerExchangeTests {
    @Test func aPeerLearnsOfAnotherThroughPEX() async throws {
        let directory = try TemporaryDirectory()
        let torrent = try TestTorrent.make(in: directory, files: [("x.bin", 64 * 1024)], pieceLength: 16_384)
        let fastPEX = EngineTests.configuration { $0.pexIntervalSeconds = 1 }
        let (seeder, seederPort) = try await EngineTests.seeder(torrent, configuration: fastPEX)
        let middle = Engine(configuration: fastPEX, logger: EngineTests.logger)
        let middlePort = try await middle.listen()
        let middleHash = try await middle.add(.metainfo(torrent.metainfo), savePath: directory.path + "/middle", peers: [PeerAddress(text: "127.0.0.1:\(seederPort)")!])
        try await middle.waitUntilComplete(middleHash)

        // The newcomer is told only of the middle peer; the seeder's address reaches it by PEX.
        let newcomer = Engine(configuration: fastPEX, logger: EngineTests.logger)
        _ = try await newcomer.listen()
        let hash = try await newcomer.add(.metainfo(torrent.metainfo), savePath: directory.path + "/new", peers: [PeerAddress(text: "127.0.0.1:\(middlePort)")!])
        try await HostilePeerTests.waitFor { await newcomer.snapshot(of: hash)?.knownPeers ?? 0 >= 2 }
        try await newcomer.waitUntilComplete(hash)
        await newcomer.shutdown()
        await middle.shutdown()
        await seeder.shutdown()
    }
}
