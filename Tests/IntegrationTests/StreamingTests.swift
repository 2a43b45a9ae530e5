import Foundation
import TestSupport
import Testing

/// Streaming through the real daemon from a real, rate-limited swarm (libtorrent seeders on loopback): a video
/// made by ffmpeg (MP4 with its index at the end), added from a magnet alone for streaming, read with curl and
/// decoded by ffprobe from a cold start and after a seek; ranges, concurrent readers, a client that leaves,
/// eviction under a small disk cache, and a restart.
@Suite(.serialized, .timeLimit(.minutes(4))) struct StreamingTests {
    static let pieceSize = 256 << 10
    static let seederRate = 1 << 20

    @Test("a video streams from a magnet while it downloads: ranges, seeks, readers, eviction, restart")
    func streamsAVideoWhileItDownloads() async throws {
        try await withSwarm { swarm in
            let video = try await Payload(in: swarm, name: "film.mp4", pieceSize: Self.pieceSize) { path in
                _ = try await Self.run(swarm, "/usr/bin/ffmpeg", [
                    "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", "40", "-c:v", "libx264", "-preset", "ultrafast",
                    "-b:v", "2M", "-c:a", "aac", "-shortest", path,
                ])
            }
            let original = try Data(contentsOf: URL(fileURLWithPath: video.path))
            var seeders: [Seeder] = []
            for _ in 0..<3 { seeders.append(try await Seeder(client: .libtorrent, payload: video, in: swarm, rate: Self.seederRate)) }

            let data = try swarm.makeDirectory("rill-data")
            let environment = [
                "RILL_DATA_DIRECTORY": data, "RILL_HTTP_PORT": "0", "RILL_ENGINE_LISTEN_PORT": "0",
                "RILL_STREAM_DISK_CACHE_MAX": "6MiB", "RILL_STREAM_DISK_CACHE_TARGET": "4MiB", "RILL_LOG_LEVEL": "debug",
            ]
            var rill = try RillProcess(environment: environment, workingDirectory: data)
            var port = try rill.waitUntilListening()
            let magnet = video.magnet(peers: seeders.map(\.address))
            let added = try await Self.run(swarm, "/usr/bin/curl", [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "{\"magnet\":\"\(magnet)\"}",
                "http://127.0.0.1:\(port)/api/v1/torrents?stream=true",
            ])
            #expect(added == "201")
            var url = "http://127.0.0.1:\(port)/stream/\(video.infoHash)/0/film.mp4"

            // HEAD: the file's facts, without waiting for any piece.
            let head = try await Self.run(swarm, "/usr/bin/curl", ["-s", "-I", url])
            #expect(head.contains("200 OK") && head.contains("Accept-Ranges: bytes") && head.contains("Content-Type: video/mp4"))
            #expect(head.contains("Content-Length: \(original.count)") && head.contains("ETag: \"\(video.infoHash)-0\""))

            // Cold start, then a seek to the middle: ffprobe decodes frames at both places.
            let started = ContinuousClock.now
            #expect(try await Self.framesDecoded(swarm, url, at: "%+2") >= 25)
            let coldStart = ContinuousClock.now - started
            let seekStarted = ContinuousClock.now
            #expect(try await Self.framesDecoded(swarm, url, at: "24%+2") >= 25)
            let seek = ContinuousClock.now - seekStarted
            print("streaming: first frames after \(coldStart), frames after a seek to 24 % in \(seek)")

            // Ranges.
            #expect(try await Self.fetch(swarm, url, range: "100-199") == original[100..<200])
            #expect(try await Self.fetch(swarm, url, range: "-1000") == original.suffix(1000))
            #expect(try await Self.fetch(swarm, url, range: "\(original.count - 5000)-") == original.suffix(5000))
            let unsatisfiable = try await Self.run(swarm, "/usr/bin/curl", ["-s", "-o", "/dev/null", "-D", "-", "-r", "\(original.count)-", url])
            #expect(unsatisfiable.contains("416") && unsatisfiable.contains("Content-Range: bytes */\(original.count)"))
            let otherETag = try await Self.run(swarm, "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-r", "0-9", "-H", "If-Range: \"other\"", url])
            #expect(otherETag == "200")

            // Concurrent readers of different parts.
            let thirds = [0..<3_000_000, 3_000_000..<7_000_000, 7_000_000..<original.count]
            var readers: [(part: Range<Int>, file: String, process: ManagedProcess)] = []
            for part in thirds {  // three curl processes at once
                let file = try swarm.makeDirectory("part-\(part.lowerBound)") + "/body"
                let process = try swarm.start("curl", executable: "/usr/bin/curl", arguments: [
                    "-s", "-f", "-r", "\(part.lowerBound)-\(part.upperBound - 1)", "-o", file, url,
                ])
                readers.append((part, file, process))
            }
            for reader in readers {
                #expect(try await reader.process.waitForExit(timeout: .seconds(60)) == 0)
                #expect(try Data(contentsOf: URL(fileURLWithPath: reader.file)) == original[reader.part], "bytes \(reader.part)")
            }

            // A client that leaves mid-way: its reader is gone at once (~0.2 s here; 3 s allowed for a loaded machine).
            _ = try? await Self.run(swarm, "/usr/bin/curl", ["-s", "-o", "/dev/null", "--max-time", "0.3", "--limit-rate", "100K", url])
            let left = ContinuousClock.now
            let gone = try await Self.waitFor(port: port, field: "readers", within: .seconds(3)) { $0 == 0 }
            #expect(gone, "\(rill.log.split(separator: "\n").filter { $0.contains("reader") }.joined(separator: "\n"))")
            print("streaming: the reader of a client that left was gone after \(ContinuousClock.now - left)")

            // Eviction: the whole file (10 MiB) has passed through a 6 MiB disk cache; it goes back to ≤ 6 MiB, and a
            // full read still gives every byte (evicted pieces are fetched again).
            #expect(try await Self.waitFor(port: port, field: "disk_cache_evicted_bytes", within: .seconds(15)) { $0 > 0 })
            #expect(try await Self.waitFor(port: port, field: "disk_cache_bytes", within: .seconds(15)) { $0 <= 6 << 20 })
            #expect(try await Self.fetch(swarm, url, range: "0-") == original)
            let status = try await Self.status(port)
            #expect(status["ram_cache_peak_bytes"]! <= status["ram_cache_budget"]!)
            print("streaming: status after the full read \(status)")

            // Restart: the torrent comes back stream-only and still streams.
            #expect(rill.stop().status == 0)
            rill = try RillProcess(environment: environment, workingDirectory: data)
            port = try rill.waitUntilListening()
            url = "http://127.0.0.1:\(port)/stream/\(video.infoHash)/0/film.mp4"
            let torrents = try await Self.run(swarm, "/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/api/v1/torrents"])
            #expect(torrents.contains("\"stream_only\":true"))
            #expect(try await Self.fetch(swarm, url, range: "0-1048575") == original[0..<1_048_576])
            #expect(rill.stop().status == 0)
        }
    }

    // MARK: - Clients

    /// Runs a program to its end and returns its stdout; throws on a non-zero exit.
    static func run(_ swarm: Swarm, _ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> String {
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let process = try swarm.start(name, executable: executable, arguments: arguments)
        let status = try await process.waitForExit(timeout: timeout)
        guard status == 0 else { throw SwarmError.failed("\(name) exited \(status)\n\(process.log)") }
        return process.output
    }

    /// The bytes curl receives for `range`.
    static func fetch(_ swarm: Swarm, _ url: String, range: String) async throws -> Data {
        let file = try swarm.makeDirectory("fetch-\(UUID().uuidString)") + "/body"
        _ = try await run(swarm, "/usr/bin/curl", ["-s", "-f", "-r", range, "-o", file, url])
        return try Data(contentsOf: URL(fileURLWithPath: file))
    }

    /// Video frames ffprobe decodes in `interval` (its -read_intervals syntax) of the stream.
    static func framesDecoded(_ swarm: Swarm, _ url: String, at interval: String) async throws -> Int {
        let output = try await run(swarm, "/usr/bin/ffprobe", [
            "-v", "error", "-select_streams", "v", "-read_intervals", interval, "-count_frames",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url,
        ])
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// `/api/v1/stream`'s numbers.
    static func status(_ port: Int) async throws -> [String: Int] {
        guard let reply = await curlGetOffPool("http://127.0.0.1:\(port)/api/v1/stream"), reply.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] else { return [:] }
        return object.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    /// Polls `field` of the stream status until `condition` holds or `within` passes.
    static func waitFor(port: Int, field: String, within: Duration, _ condition: (Int) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        repeat {
            if let value = try await status(port)[field], condition(value) { return true }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return false
    }
}
