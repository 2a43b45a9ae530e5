import Foundation
import TestSupport
import Testing

/// A rill seeder under waves of hostile peers: its resident memory must level off after the first wave (nothing
/// grows with the number of bad peers or with time), it must stay up, and it must still serve a real client.
@Suite(.serialized, .timeLimit(.minutes(3))) struct HostilePeerMemoryTests {
    static let rill = SwarmClient.rill(binary: RillProcess.binary)
    static let payloadSize = 4 << 20
    static let pieceSize = 65_536
    static let waves = 5
    static let peersPerWave = 160

    @Test("waves of hostile peers leave a rill seeder's memory flat, and it still seeds")
    func hostileWavesDoNotGrowMemory() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, size: Self.payloadSize, pieceSize: Self.pieceSize)
            let seeder = try await Seeder(client: Self.rill, payload: payload, in: swarm)
            let pid = seeder.process.pid
            let infoHash = try #require(Self.bytes(hex: payload.infoHash))
            let start = try #require(Self.memory(pid))

            var afterWave: [Int] = []
            for wave in 0..<Self.waves {
                let port = seeder.port
                await offPool { Self.attack(port: port, infoHash: infoHash, wave: wave) }
                try await Task.sleep(for: .milliseconds(500))  // let the seeder close and drop what the wave left
                #expect(seeder.process.isRunning, "the seeder died in wave \(wave)\n\(seeder.process.log)")
                afterWave.append(try #require(Self.memory(pid)).rss)
            }
            let end = try #require(Self.memory(pid))
            let growth = afterWave.last! - afterWave.first!
            let summary = "RSS KiB: start \(start.rss), after each wave \(afterWave), peak \(end.peak)"
            print("hostile peers: \(Self.waves) waves × \(Self.peersPerWave) peers; \(summary)")
            #expect(growth < 4 << 10, "resident memory grew by \(growth) KiB after the first wave: \(summary)")
            #expect(end.peak - start.rss < 32 << 10, "peak rose \(end.peak - start.rss) KiB over the start: \(summary)")

            let leecher = try Leecher(client: .aria2, source: payload.torrent, in: swarm, peers: [seeder.address], timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
        }
    }

    /// One wave: `peersPerWave` connections, each with a valid handshake and then one kind of abuse, all held
    /// open together (so the seeder carries them at once), then dropped.
    static func attack(port: Int, infoHash: [UInt8], wave: Int) {
        let pieces = UInt32(payloadSize / pieceSize)
        var generator = SplitMix64(seed: UInt64(wave + 1))
        var open: [HostileWirePeer] = []
        for index in 0..<peersPerWave {
            let slowReader = index % 10 == 9
            guard let peer = HostileWirePeer(port: port, receiveBuffer: slowReader ? 4096 : nil) else { continue }
            let peerID = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let hello = HostileWirePeer.handshake(infoHash: infoHash, peerID: peerID)
            let interested = HostileWirePeer.message(2)
            switch index % 10 {
            case 0:  // a length prefix far over the limit, then junk
                peer.send(hello + [0x7F, 0xFF, 0xFF, 0xFF, 7] + Array(repeating: 0xAB, count: 4096))
            case 1:  // a bitfield of the wrong length
                peer.send(hello + HostileWirePeer.message(5, Array(repeating: 0xFF, count: 100)))
            case 2:  // requests past the end of the torrent and of a piece
                peer.send(hello + interested + (0..<200).flatMap { HostileWirePeer.request(piece: pieces + UInt32($0), begin: 0, length: 16_384) }
                    + HostileWirePeer.request(piece: 0, begin: UInt32(pieceSize), length: 16_384))
            case 3:  // a flood of valid requests, far more than the seeder queues
                peer.send(hello + interested + (0..<2_000).flatMap { HostileWirePeer.request(piece: UInt32($0) % pieces, begin: UInt32($0 % 4) * 16_384, length: 16_384) })
            case 4:  // random bytes after the handshake
                peer.send(hello + (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
            case 5:  // an extension handshake that is not bencode, then one claiming huge metadata
                peer.send(hello + HostileWirePeer.message(20, [0] + Array("d1:md11:ut_metadatai3ee13:metadata_sizei".utf8))
                    + HostileWirePeer.message(20, [0] + Array("d1:md11:ut_metadatai3ee13:metadata_sizei99999999999ee".utf8)))
            case 6:  // the wrong torrent
                peer.send(HostileWirePeer.handshake(infoHash: Array(repeating: 0x42, count: 20), peerID: peerID))
            case 7:  // unrequested blocks, just under the message limit
                peer.send(hello + (0..<8).flatMap { _ in HostileWirePeer.message(7, HostileWirePeer.bigEndian(0) + HostileWirePeer.bigEndian(0) + Array(repeating: 0, count: 120 << 10)) })
            case 8:  // a handshake, then silence
                peer.send(hello)
            default:  // asks for whole pieces and never reads the answers
                peer.send(hello + interested + (0..<250).flatMap { HostileWirePeer.request(piece: UInt32($0 / 4) % pieces, begin: UInt32($0 % 4) * 16_384, length: 16_384) })
            }
            open.append(peer)
        }
        usleep(1_500_000)  // held open together
        open.removeAll()
    }

    /// VmRSS and VmHWM (peak) of `pid`, in KiB.
    static func memory(_ pid: pid_t) -> (rss: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 40 else { return nil }
        return stride(from: 0, to: 40, by: 2).compactMap { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16) }
    }
}
