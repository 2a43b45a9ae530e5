import Foundation
import Testing
import TestSupport

/// Proves the loopback swarm harness (ci/swarm and TestSupport's Swarm) with real clients only, so the interop tests
/// built on it can trust it before Rill takes part: each client downloads a complete, byte-identical payload from
/// another, and everything started is stopped.
@Suite("Swarm harness: real clients on loopback", .serialized)
struct SwarmHarnessTests {
    @Test("aria2 downloads a multi-file payload from a libtorrent seeder found through opentracker (HTTP announce)")
    func aria2FromLibtorrentThroughTracker() async throws {
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            let payload = try await Payload(
                in: swarm, name: "multi", size: 3 << 20, multiFile: true, pieceSize: 32768, announce: [tracker.announceURL]
            )
            try await tracker.allow(payload.infoHash)
            let seeder = try await Seeder(client: .libtorrent, payload: payload, in: swarm)

            let leecher = try Leecher(client: .aria2, source: payload.torrent, in: swarm, timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
            #expect(await seeder.stop() == 0, "\(seeder.process.log)")
            #expect(await tracker.process.stop() == 0, "\(tracker.process.log)")
        }
    }

    @Test("libtorrent (UDP announce) downloads a multi-file payload from an aria2 seeder (HTTP announce) via opentracker")
    func libtorrentFromAria2OverUDP() async throws {
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            // Tier 1 UDP, tier 2 HTTP: aria2 has no UDP tracker support with DHT off, so it falls back to HTTP;
            // libtorrent stays on UDP and still finds the seeder, as both protocols share one swarm.
            let payload = try await Payload(
                in: swarm, name: "multi", size: 2 << 20, multiFile: true,
                announce: [tracker.udpAnnounceURL, tracker.announceURL]
            )
            try await tracker.allow(payload.infoHash)
            let seeder = try await Seeder(client: .aria2, payload: payload, in: swarm)

            let leecher = try Leecher(client: .libtorrent, source: payload.torrent, in: swarm, timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
            #expect(await seeder.stop() == 0, "\(seeder.process.log)")
        }
    }

    @Test("libtorrent fetches the metadata and the payload from a magnet whose only peer source is x.pe")
    func libtorrentMagnetWithPeerAddress() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "multi", size: 3 << 20, multiFile: true)
            let seeder = try await Seeder(client: .libtorrent, payload: payload, in: swarm)

            let leecher = try Leecher(client: .libtorrent, source: payload.magnet(peers: [seeder.address]), in: swarm, timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
        }
    }

    @Test("a libtorrent seeder's rate limit holds for loopback peers")
    func rateLimitOnLoopback() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "single.bin", size: 1 << 20)
            let seeder = try await Seeder(client: .libtorrent, payload: payload, in: swarm, rate: 512 << 10)

            let leecher = try Leecher(client: .libtorrent, source: payload.torrent, in: swarm, peers: [seeder.address], timeout: 60)
            let seconds = try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
            // Unlimited, 1 MiB takes ~0.1 s on loopback; at 512 KiB/s it cannot take less than ~1.5 s after the burst.
            #expect(seconds >= 1.5, "1 MiB at 512 KiB/s came in \(seconds) s")
        }
    }

    @Test("a seeder whose data is incomplete fails fast instead of pretending to be ready")
    func incompleteSeederFails() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "multi", size: 1 << 20, multiFile: true)
            try Data("changed".utf8).write(to: URL(fileURLWithPath: payload.path + "/sub/tiny.txt"))
            for client in [SwarmClient.libtorrent, .aria2, .transmission] {
                await #expect(throws: ManagedProcessError.self, "\(client)") {
                    _ = try await Seeder(client: client, payload: payload, in: swarm)
                }
            }
        }
    }

    @Test("payload verification catches a changed byte, a missing file and an extra file")
    func verificationIsStrict() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "multi", size: 256 << 10, multiFile: true)
            let copy = try swarm.makeDirectory("copy")
            try FileManager.default.copyItem(atPath: payload.path, toPath: copy + "/multi")
            try payload.verify(in: copy)

            let file = copy + "/multi/sub/b.bin"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            bytes[1000] ^= 1
            try bytes.write(to: URL(fileURLWithPath: file))
            #expect(throws: SwarmError.self) { try payload.verify(in: copy) }
            bytes[1000] ^= 1
            try bytes.write(to: URL(fileURLWithPath: file))

            try FileManager.default.removeItem(atPath: copy + "/multi/empty")
            #expect(throws: SwarmError.self) { try payload.verify(in: copy) }
            try payload.verify(in: copy, ignoringMissingEmptyFiles: true)
            try Data().write(to: URL(fileURLWithPath: copy + "/multi/empty"))

            try Data("x".utf8).write(to: URL(fileURLWithPath: copy + "/multi/extra"))
            #expect(throws: SwarmError.self) { try payload.verify(in: copy) }
        }
    }

    @Test("stopping a managed process also kills what it left running in its group, and reaps it")
    func managedProcessStopsItsGroup() async throws {
        try await withSwarm { swarm in
            let marker = "rill-swarm-orphan-\(getpid())-\(Int.random(in: 0..<1_000_000))"
            // bash ignores SIGTERM here and leaves a child behind: stop() must SIGKILL the group.
            let process = try swarm.start(
                "stubborn", executable: "/bin/bash",
                arguments: ["-c", "trap '' TERM; exec -a \(marker) sleep 300 & echo ready; wait"]
            )
            try await process.waitForLine(startingWith: "ready", timeout: .seconds(5))
            #expect(await process.stop(timeout: .milliseconds(300)) == 128 + SIGKILL)
            #expect(!process.isRunning)
            try await Task.sleep(for: .milliseconds(100))
            #expect(!processExists(named: marker))
        }
    }
}

/// transmission 3.00 runs its choke and interest decisions on a 10 s cycle, so these take 10-15 s each; a suite of
/// their own runs beside the one above instead of after it.
@Suite("Swarm harness: transmission on loopback", .serialized)
struct SwarmTransmissionHarnessTests {
    @Test("transmission downloads from a libtorrent seeder that dials it after both announce to opentracker")
    func transmissionFromLibtorrent() async throws {
        try await withSwarm { swarm in
            let tracker = try await Opentracker(in: swarm)
            let payload = try await Payload(in: swarm, name: "single.bin", size: 1 << 20, announce: [tracker.announceURL])
            try await tracker.allow(payload.infoHash)
            // transmission 3.00 never dials 127.0.0.1: it announces first, the seeder learns of it and connects.
            let leecher = try Leecher(client: .transmission, source: payload.torrent, in: swarm, timeout: 60)
            try await Task.sleep(for: .seconds(1.5))
            let seeder = try await Seeder(client: .libtorrent, payload: payload, in: swarm)

            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
            #expect(await seeder.stop() == 0, "\(seeder.process.log)")
        }
    }
    @Test("aria2 downloads from a transmission seeder given as a peer (served to aria2 by a static tracker)")
    func aria2FromTransmissionPeer() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "single.bin", size: 1 << 20)
            let seeder = try await Seeder(client: .transmission, payload: payload, in: swarm)

            let leecher = try Leecher(client: .aria2, source: payload.torrent, in: swarm, peers: [seeder.address], timeout: 60)
            try await leecher.waitUntilComplete()
            try payload.verify(in: leecher.outputDirectory)
            #expect(await seeder.stop() == 0, "\(seeder.process.log)")
        }
    }
}

/// True when some process's command line starts with `name`.
private func processExists(named name: String) -> Bool {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.contains { entry in
        guard Int(entry) != nil, let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return false }
        return String(decoding: command, as: UTF8.self).hasPrefix(name)
    }
}
