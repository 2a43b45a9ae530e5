import Foundation
import TestSupport
import Testing

/// The ffmpeg sidecar through the real daemon, logged in after setup, over a real loopback swarm (a rate-limited
/// libtorrent seeder): ffmpeg-made media (H.264/AAC MP4, HEVC/AC-3 MKV, H.264/AAC/SRT MKV, garbage) is probed
/// through the stream URL while it downloads (the sidecar token, never a user credential), decided on for a
/// Chrome-like browser, transcoded to HLS whose segments ffprobe decodes, seeked, limited, left idle and ended.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TranscodeDaemonTests {
    /// What Chromium on Linux answers: H.264 and AAC in MP4, VP8/VP9/Opus in WebM; no HEVC, AC-3 or Matroska.
    static let chromeTypes = [
        "application/x-ignored", "video/mp4", "video/mp4; codecs=\"avc1.42E01E\"", "video/mp4; codecs=\"avc1.4D401F\"",
        "video/mp4; codecs=\"avc1.640028\"", "video/mp4; codecs=\"mp4a.40.2\"", "video/mp4; codecs=\"mp4a.40.5\"",
        "video/webm", "video/webm; codecs=\"vp8\"", "video/webm; codecs=\"vp09.00.31.08\"", "video/webm; codecs=\"opus\"",
    ]

    @Test("play decisions, HLS segments, seek, busy, idle end, subtitles, thumbnails and errors through the daemon")
    func transcodesThroughTheDaemon() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "media", pieceSize: 65536) { folder in
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try await Self.makeMedia(swarm, in: folder)
            }
            let seeder = try await Seeder(client: .libtorrent, payload: payload, in: swarm, rate: 384 << 10)
            let data = try swarm.makeDirectory("rill-data")
            let rill = try RillProcess(environment: [
                "RILL_DATA_DIRECTORY": data, "RILL_HTTP_PORT": "0", "RILL_ENGINE_LISTEN_PORT": "0",
                "RILL_TRANSCODE_IDLE_TIMEOUT_SECONDS": "5", "RILL_LOG_LEVEL": "debug",
            ], workingDirectory: data)
            let port = try rill.waitUntilListening()
            let api = try await API.setUp(swarm, port: port)

            let added = try await api.call("POST", "/api/v1/torrents", json: "{\"magnet\":\"\(payload.magnet(peers: [seeder.address]))\"}")
            #expect(added.status == 201, "\(added.body)")
            let detail = try await Self.waitForFiles(api, payload.infoHash)
            func index(_ name: String) throws -> Int { try #require(detail[name], "\(detail)") }

            // The stream URL needs a login: no credential, or a wrong sidecar token, is refused.
            let stream = "/stream/\(payload.infoHash)/\(try index("b.mkv"))/b.mkv"
            #expect(try await api.raw(["-I", api.base + stream]).contains("401"))
            #expect(try await api.raw(["-I", "-H", "X-Rill-Sidecar: guess", api.base + stream]).contains("401"))

            // H.264/AAC MP4 plays directly.
            let direct = try await api.play(payload.infoHash, try index("a.mp4"))
            #expect(direct.status == 200 && direct.json["mode"] as? String == "direct_play", "\(direct.body)")
            #expect((direct.json["direct_url"] as? String)?.hasPrefix("/stream/\(payload.infoHash)/") == true)

            // HEVC/AC-3 MKV: transcoded, read by ffmpeg through the stream URL while the torrent downloads.
            let started = ContinuousClock.now
            let play = try await api.play(payload.infoHash, try index("b.mkv"))
            #expect(play.status == 200 && play.json["mode"] as? String == "full_transcode", "\(play.body)")
            print("transcode: b.mkv read from \(play.json["source"] ?? "?"), reasons \(play.json["reasons"] ?? "?")")
            let session = try #require(play.json["session"] as? [String: Any])
            let id = try #require(session["id"] as? String)
            #expect(session["mime_type"] as? String == "video/mp4; codecs=\"avc1.640028,mp4a.40.2\"")
            let playlist = try await api.call("GET", "/transcode/\(id)/index.m3u8")
            #expect(playlist.status == 200 && playlist.body.contains("#EXT-X-MAP:URI=\"init.mp4\""))
            let segments = playlist.body.split(separator: "\n").filter { $0.hasSuffix(".m4s") }.count
            #expect(segments == 6, "\(playlist.body)")
            let first = try await api.segments(id, [0])
            print("transcode: first segment after \(ContinuousClock.now - started) (from the play request)")
            #expect(try await Self.ffprobe(swarm, first, "stream=codec_name,width,height").contains("h264,640,360"))
            #expect(try await Self.ffprobe(swarm, first, "stream=codec_name").contains("aac"))
            // A seek to the middle: segment 3 (12 s) restarts ffmpeg there; its video starts at 12 s (+1 s offset).
            let middle = try await api.segments(id, [3])
            let firstVideo = try await Self.ffprobe(swarm, middle, "packet=pts_time", select: "v:0", packets: true)
            let time = Double(firstVideo.split(separator: "\n").first.map(String.init) ?? "") ?? -1
            #expect(abs(time - 13.0) < 0.05, "first video packet of segment 3 at \(time)")

            // Another user cannot reach this session (404, as if it did not exist).
            #expect(try await api.call("POST", "/api/v1/users", json: "{\"username\":\"viewer\",\"password\":\"viewer-password\",\"role\":\"user\"}").status == 201)
            let viewer = try await api.loggedIn("viewer", "viewer-password")
            #expect(try await viewer.call("GET", "/transcode/\(id)/index.m3u8").status == 404)
            #expect(try await viewer.call("DELETE", "/transcode/\(id)").status == 404)

            // One session is the limit: another player gets 503 busy with Retry-After.
            let busy = try await api.play(payload.infoHash, try index("c.mkv"), player: "other")
            #expect(busy.status == 503 && busy.body.contains("\"code\":\"busy\"") && busy.headers.contains("retry-after: 10"), "\(busy.body)")

            // The client goes away: within the idle timeout (5 s) plus the reaper's half second ffmpeg is gone and
            // the session's files too.
            let sessions = try await api.call("GET", "/api/v1/transcode")
            let pid = (try JSONSerialization.jsonObject(with: Data(sessions.body.utf8)) as? [String: Any])
                .flatMap { ($0["sessions"] as? [[String: Any]])?.first?["process_id"] as? Int }
            let sessionDirectory = data + "/transcode/sessions/" + id
            #expect(FileManager.default.fileExists(atPath: sessionDirectory))
            let left = ContinuousClock.now
            var ended = false
            while ContinuousClock.now - left < .seconds(8) {
                let list = try await api.call("GET", "/api/v1/transcode")
                if list.body.contains("\"sessions\":[]"), !FileManager.default.fileExists(atPath: sessionDirectory) { ended = true; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ended, "the idle session ended")
            if let pid { #expect(kill(pid_t(pid), 0) != 0, "ffmpeg \(pid) is gone") }
            print("transcode: idle session ended \(ContinuousClock.now - left) after the last request (timeout 5 s)")
            #expect(try await api.call("GET", "/transcode/\(id)/0.m4s").status == 404)

            // H.264/AAC/SRT in Matroska: remuxed; the SRT track is offered as WebVTT.
            let remux = try await api.play(payload.infoHash, try index("c.mkv"))
            #expect(remux.json["mode"] as? String == "remux", "\(remux.body)")
            let subtitles = try #require(remux.json["subtitles"] as? [[String: Any]])
            let vttURL = try #require(subtitles.first?["url"] as? String)
            let vtt = try await api.call("GET", vttURL)
            #expect(vtt.status == 200 && vtt.body.hasPrefix("WEBVTT") && vtt.body.contains("Hello from Rill"), "\(vtt.body)")
            if let remuxID = (remux.json["session"] as? [String: Any])?["id"] as? String {
                #expect(try await api.call("DELETE", "/transcode/\(remuxID)").status == 204)
            }

            // Garbage is a clean 422, and stays one (the verdict is stored once the file is complete).
            try await Self.waitForCompletion(api, payload.infoHash)
            let broken = try await api.play(payload.infoHash, try index("d.mkv"))
            #expect(broken.status == 422 && broken.body.contains("unreadable_media"), "\(broken.body)")

            // The probe is stored: the media route answers from the store.
            let media = try await api.call("GET", "/api/v1/files/\(payload.infoHash)/\(try index("b.mkv"))/media")
            #expect(media.status == 200 && media.body.contains("\"codec\":\"hevc\""))
            let thumbnail = try await api.call("GET", "/api/v1/files/\(payload.infoHash)/\(try index("a.mp4"))/thumbnail.jpg", binary: true)
            #expect(thumbnail.status == 200 && thumbnail.headers.contains("content-type: image/jpeg"))
            #expect(!rill.log.contains(api.csrf) && !rill.log.lowercased().contains("x-rill-sidecar:"))
            #expect(rill.stop().status == 0)
        }
    }

    // MARK: - Media

    static func makeMedia(_ swarm: Swarm, in folder: String) async throws {
        let video = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        _ = try await run(swarm, "/usr/bin/ffmpeg", ["-v", "error"] + video + [
            "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
            "-movflags", "+faststart", folder + "/a.mp4",
        ])
        _ = try await run(swarm, "/usr/bin/ffmpeg", ["-v", "error"] + video + [
            "-t", "24", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-b:v", "600k",
            "-c:a", "ac3", "-b:a", "192k", "-shortest", folder + "/b.mkv",
        ])
        let srt = folder + "/../subs.srt"
        try "1\n00:00:01,000 --> 00:00:03,000\nHello from Rill\n\n2\n00:00:04,000 --> 00:00:05,500\nSecond line\n".write(toFile: srt, atomically: true, encoding: .utf8)
        _ = try await run(swarm, "/usr/bin/ffmpeg", ["-v", "error"] + video + ["-i", srt, "-map", "0:v", "-map", "1:a", "-map", "2:s",
            "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-c:s", "srt",
            "-metadata:s:s:0", "language=eng", folder + "/c.mkv",
        ])
        var garbage = SplitMix64(seed: 9)
        let bytes = (0..<(256 << 10)).map { _ in UInt8(truncatingIfNeeded: garbage.next()) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/d.mkv"))
    }

    /// ffprobe's `entries` of the first video/audio stream of `file` (or of its packets), as CSV lines.
    static func ffprobe(_ swarm: Swarm, _ file: String, _ entries: String, select: String? = nil, packets: Bool = false) async throws -> String {
        var arguments = ["-v", "error"]
        if let select { arguments += ["-select_streams", select] }
        if packets { arguments += ["-show_packets"] }
        return try await run(swarm, "/usr/bin/ffprobe", arguments + ["-show_entries", entries, "-of", "csv=p=0", file])
    }

    static func run(_ swarm: Swarm, _ executable: String, _ arguments: [String], timeout: Duration = .seconds(90)) async throws -> String {
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let process = try swarm.start(name, executable: executable, arguments: arguments)
        let status = try await process.waitForExit(timeout: timeout)
        guard status == 0 else { throw SwarmError.failed("\(name) exited \(status)\n\(process.log)") }
        return process.output
    }

    /// The torrent's files by name once its metadata is there.
    static func waitForFiles(_ api: API, _ hash: String) async throws -> [String: Int] {
        for _ in 0..<200 {
            let detail = try await api.call("GET", "/api/v1/torrents/\(hash)")
            if let object = try? JSONSerialization.jsonObject(with: Data(detail.body.utf8)) as? [String: Any],
               let files = object["files"] as? [[String: Any]], !files.isEmpty {
                var names: [String: Int] = [:]
                for file in files {
                    if let path = file["path"] as? String, let index = file["index"] as? Int { names[URL(fileURLWithPath: path).lastPathComponent] = index }
                }
                return names
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SwarmError.failed("no metadata for \(hash)")
    }

    static func waitForCompletion(_ api: API, _ hash: String) async throws {
        for _ in 0..<600 {
            let detail = try await api.call("GET", "/api/v1/torrents/\(hash)")
            if let object = try? JSONSerialization.jsonObject(with: Data(detail.body.utf8)) as? [String: Any],
               let torrent = object["torrent"] as? [String: Any], let wanted = torrent["wanted_bytes"] as? Int,
               let verified = torrent["verified_bytes"] as? Int, wanted > 0, verified >= wanted { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SwarmError.failed("\(hash) did not complete")
    }

    /// The daemon's API through curl with a session cookie and its CSRF token (set up like the wizard would).
    struct API {
        let swarm: Swarm
        let base: String
        let jar: String
        let csrf: String

        struct Reply {
            let status: Int
            let headers: String
            let body: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
        }

        static func setUp(_ swarm: Swarm, port: Int) async throws -> API {
            let jar = try swarm.makeDirectory("cookies") + "/jar"
            var api = API(swarm: swarm, base: "http://127.0.0.1:\(port)", jar: jar, csrf: "")
            let admin = try await api.call("POST", "/api/v1/setup/admin", json: "{\"username\":\"admin\",\"password\":\"transcode-test-pw\"}")
            let token = try #require(admin.json["csrf_token"] as? String, "\(admin.body)")
            api = API(swarm: swarm, base: api.base, jar: jar, csrf: token)
            #expect(try await api.call("POST", "/api/v1/setup/vpn", json: "{\"skip\":true}").status == 204)
            #expect(try await api.call("POST", "/api/v1/setup/storage", json: "{\"target\":\"data\"}").status == 200)
            #expect(try await api.call("POST", "/api/v1/setup/complete").status == 200)
            return api
        }

        /// Another user's session, with its own cookie jar.
        func loggedIn(_ username: String, _ password: String) async throws -> API {
            let other = API(swarm: swarm, base: base, jar: try swarm.makeDirectory("cookies") + "/jar", csrf: "")
            let login = try await other.call("POST", "/api/v1/auth/login", json: "{\"username\":\"\(username)\",\"password\":\"\(password)\"}")
            let token = try #require(login.json["csrf_token"] as? String, "\(login.body)")
            return API(swarm: swarm, base: base, jar: other.jar, csrf: token)
        }

        func raw(_ arguments: [String]) async throws -> String {
            try await TranscodeDaemonTests.run(swarm, "/usr/bin/curl", ["-s", "--max-time", "60"] + arguments)
        }

        func call(_ method: String, _ path: String, json: String? = nil, binary: Bool = false) async throws -> Reply {
            let headersFile = try swarm.makeDirectory("h-\(UUID().uuidString)") + "/headers"
            var arguments = ["-s", "--max-time", "60", "-X", method, "-b", jar, "-c", jar, "-D", headersFile, "-o", headersFile + ".body"]
            if !csrf.isEmpty { arguments += ["-H", "X-CSRF-Token: \(csrf)"] }
            if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
            _ = try await TranscodeDaemonTests.run(swarm, "/usr/bin/curl", arguments + [base + path])
            let headers = (try? String(contentsOfFile: headersFile, encoding: .utf8)) ?? ""
            let body = binary ? "" : ((try? String(contentsOfFile: headersFile + ".body", encoding: .utf8)) ?? "")
            let statusLine = headers.split(separator: "\r\n").first.map(String.init) ?? ""
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            return Reply(status: status, headers: headers.lowercased(), body: body)
        }

        func play(_ hash: String, _ index: Int, player: String = "test") async throws -> Reply {
            let types = TranscodeDaemonTests.chromeTypes.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",")
            return try await call("POST", "/api/v1/play", json: """
                {"info_hash":"\(hash)","file_index":\(index),"player_id":"\(player)",\
                "abilities":{"playable_types":[\(types)],"max_width":1920,"max_height":1920,"media_source":true}}
                """)
        }

        /// The init segment and the given segments concatenated into one file ffprobe can read.
        func segments(_ id: String, _ indexes: [Int]) async throws -> String {
            let file = try swarm.makeDirectory("seg-\(id)-\(indexes.map(String.init).joined(separator: "-"))") + "/out.mp4"
            var data = Data()
            for part in ["init.mp4"] + indexes.map({ "\($0).m4s" }) {
                let path = file + "." + part
                let status = try await TranscodeDaemonTests.run(swarm, "/usr/bin/curl", [
                    "-s", "--max-time", "60", "-b", jar, "-o", path, "-w", "%{http_code}", base + "/transcode/\(id)/\(part)",
                ])
                #expect(status == "200", "\(part): \(status)")
                data.append(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            try data.write(to: URL(fileURLWithPath: file))
            return file
        }
    }
}
