import Logging
import Store
import Testing
import TestSupport

@Suite("media_probes: probe results kept next to their torrent")
struct MediaProbeTableTests {
    @Test("a probe is saved, replaced, listed, refused when too large, and removed with its torrent")
    func saveFindReplaceCascade() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        let hash = String(repeating: "ab", count: 20)
        try await store.write { database in
            try TorrentTable.save(TorrentRecord(infoHash: hash, name: "film", magnet: nil, metainfo: nil, savePath: "/x", addedAt: 1), in: database)
            try MediaProbeTable.save(MediaProbeRecord(infoHash: hash, fileIndex: 0, fileLength: 10, infoJSON: "{\"a\":1}", error: nil, probedAt: 5), in: database)
            try MediaProbeTable.save(MediaProbeRecord(infoHash: hash, fileIndex: 1, fileLength: 20, infoJSON: nil, error: "broken", probedAt: 6), in: database)
            try MediaProbeTable.save(MediaProbeRecord(infoHash: hash, fileIndex: 0, fileLength: 10, infoJSON: "{\"a\":2}", error: nil, probedAt: 7), in: database)
        }
        let first = try await store.read { try MediaProbeTable.find(hash, fileIndex: 0, in: $0) }
        #expect(first?.infoJSON == "{\"a\":2}" && first?.probedAt == 7)
        #expect(try await store.read { try MediaProbeTable.all(of: hash, in: $0) }.map(\.fileIndex) == [0, 1])
        #expect(try await store.read { try MediaProbeTable.find(hash, fileIndex: 1, in: $0) }?.error == "broken")
        #expect(try await store.read { try MediaProbeTable.find(hash, fileIndex: 9, in: $0) } == nil)

        let huge = String(repeating: "x", count: MediaProbeTable.maxTextBytes + 1)
        await #expect(throws: StoreError.valueTooLarge(table: "media_probes", limit: MediaProbeTable.maxTextBytes)) {
            try await store.write { try MediaProbeTable.save(MediaProbeRecord(infoHash: hash, fileIndex: 2, fileLength: 1, infoJSON: huge, error: nil, probedAt: 1), in: $0) }
        }
        // Saving the torrent again (pause, priorities) keeps its probes; deleting it removes them.
        try await store.write { try TorrentTable.save(TorrentRecord(infoHash: hash, name: "film", magnet: nil, metainfo: nil, savePath: "/x", paused: true, addedAt: 1), in: $0) }
        #expect(try await store.read { try MediaProbeTable.all(of: hash, in: $0) }.count == 2)
        try await store.write { try TorrentTable.delete(hash, in: $0) }
        #expect(try await store.read { try MediaProbeTable.all(of: hash, in: $0) }.isEmpty)
        await store.close()
    }
}
