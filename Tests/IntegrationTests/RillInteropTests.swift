import Foundation
import TestSupport
import Testing

/// The engine against the clients people run, on loopback, through the `rill fetch` command: Rill downloads from
/// libtorrent, transmission and aria2 seeders (through opentracker, and by magnet + `x.pe` metadata exchange), and
/// each of those clients downloads from a Rill seeder. Payloads are checked byte for byte.
@Suite("Rill with real BitTorrent clients", .serialized, .timeLimit(.minutes(3)))
struct RillInteropTests {
    static var rill: SwarmClient { .rill(binary: RillProcess.binary) }

    @Test("rill downloads from a libtorrent seeder through opentracker (multi-file, HTTP announce)")
    func fromLibtorrentThroughTracker() async throws {
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            let payload = try await Payload(in: swarm, size: 6 << 20, multiFile: true, announce: [tracker.announceURL])
            try await tracker.allow(payload.infoHash)
            _ = try await Seeder(client: .libtorrent, payload: payload, in: swarm)
            let leecher = try Leecher(client: Self.rill, source: payload.torrent, in: swarm, timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
        }
    }

    @Test("rill downloads from an aria2 seeder through opentracker's UDP port")
    func fromAria2ThroughUDPTracker() async throws {
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            let payload = try await Payload(in: swarm, size: 4 << 20, announce: [tracker.udpAnnounceURL])
            try await tracker.allow(payload.infoHash)
            let seeder = try await Seeder(client: .aria2, payload: payload, in: swarm)
            let leecher = try Leecher(client: Self.rill, source: payload.torrent, in: swarm, peers: [seeder.address], timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
        }
    }

    @Test("rill downloads from a transmission seeder")
    func fromTransmission() async throws {
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            let payload = try await Payload(in: swarm, size: 4 << 20, multiFile: true, announce: [tracker.announceURL])
            try await tracker.allow(payload.infoHash)
            let seeder = try await Seeder(client: .transmission, payload: payload, in: swarm)
            let leecher = try Leecher(client: Self.rill, source: payload.torrent, in: swarm, peers: [seeder.address], timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
        }
    }

    @Test("rill turns a magnet with x.pe into a torrent (BEP 9 from libtorrent) and downloads it")
    func magnetFromLibtorrent() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, size: 3 << 20, multiFile: true)
            let seeder = try await Seeder(client: .libtorrent, payload: payload, in: swarm)
            let leecher = try Leecher(client: Self.rill, source: payload.magnet(peers: [seeder.address]), in: swarm, timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
        }
    }

    @Test("libtorrent, aria2 and transmission each download from a rill seeder", arguments: ["libtorrent", "aria2", "transmission"])
    func clientsFromRill(client name: String) async throws {
        let client: SwarmClient = switch name {
        case "libtorrent": .libtorrent
        case "aria2": .aria2
        default: .transmission
        }
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            let payload = try await Payload(in: swarm, size: 4 << 20, multiFile: true, announce: [tracker.announceURL])
            try await tracker.allow(payload.infoHash)
            // transmission never dials loopback peers: it starts first and rill finds it through the tracker.
            let early = name == "transmission" ? try Leecher(client: client, source: payload.torrent, in: swarm, timeout: 90) : nil
            if early != nil { try await Task.sleep(for: .seconds(4)) }  // its first announce must reach the tracker first
            let seeder = try await Seeder(client: Self.rill, payload: payload, in: swarm)
            let leecher = try early ?? Leecher(client: client, source: payload.torrent, in: swarm, peers: [seeder.address], timeout: 90)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory, ignoringMissingEmptyFiles: name == "transmission")
        }
    }
}
