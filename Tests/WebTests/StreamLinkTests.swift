import Logging
import Store
import TestSupport
import Testing
import Torrent
import Web

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Signed stream links (`?link=`) on a live server with auth, a real engine seeding a file it already has, and
/// streams: a valid link streams its one file (ranges, HEAD) without a login; tampered, expired, other-file,
/// other-torrent and revoked links are refused; a link opens nothing else.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StreamLinkTests {
    /// ASCII text, so the raw connection's string body compares byte for byte.
    static let content: String = (0..<6000).map { "line \($0) of the film\n" }.joined()

    static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw TestFailure("cannot write \(path)") }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw TestFailure("short write to \(path)") }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "r") else { throw TestFailure("cannot read \(path)") }
        defer { fclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            out += chunk[0..<count]
        }
        return out
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("a signed link streams exactly its file, with ranges; tampered, expired, other-file and revoked links are refused")
    func signedLinks() async throws {
        try await withSwarm { swarm in
            let payload = try await Payload(in: swarm, name: "film.mp4", pieceSize: 16384) { path in try Self.write(Self.content, to: path) }
            let directory = try TemporaryDirectory()
            // The data is already where the engine downloads to: it checks it and seeds, no peers needed.
            #expect(mkdir(directory.path + "/downloads", 0o755) == 0)
            try Self.write(Self.content, to: directory.path + "/downloads/film.mp4")
            try await AuthServer.with(directory) { server in
                _ = try await server.auth.accounts.createUser("root", password: "root-password", role: .admin)
                let kid = try await server.auth.accounts.createUser("kid", password: "kid-password", role: .user)
                server.auth.setup.markDone()
                let hash = try await server.library.add(.torrentFile(try Self.read(payload.torrent))).hex
                #expect(hash == payload.infoHash)
                var complete = false
                for _ in 0..<300 where !complete {
                    complete = await server.library.list().contains { $0.infoHash == hash && $0.verifiedBytes == $0.totalBytes && $0.totalBytes > 0 }
                    if !complete { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(complete, "the engine verified the file on disk")

                let user = try #require(await server.login("kid", "kid-password"))
                let issued = try #require(await server.request("GET", "/api/v1/torrents/\(hash)/files/0/link", headers: ["Cookie": user.cookie]))
                #expect(issued.status == 200, "\(issued.body)")
                let path = try #require(Self.field("path", in: issued.body))
                #expect(path.hasPrefix("/stream/\(hash)/0/film.mp4?link="))
                #expect(Self.field("url", in: issued.body) == "http://127.0.0.1:\(server.port)" + path)
                let token = String(path.split(separator: "=").last ?? "")

                // Without any login: the whole file, a range, a suffix range, HEAD.
                let whole = try #require(await server.request("GET", path))
                #expect(whole.status == 200 && whole.body == Self.content)
                let range = try #require(await server.request("GET", path, headers: ["Range": "bytes=100-199"]))
                let bytes = Array(Self.content.utf8)
                #expect(range.status == 206 && range.headers["content-range"] == "bytes 100-199/\(bytes.count)")
                #expect(range.body == String(decoding: bytes[100..<200], as: UTF8.self))
                let suffix = try #require(await server.request("GET", path, headers: ["Range": "bytes=-10"]))
                #expect(suffix.status == 206 && suffix.body == String(decoding: bytes.suffix(10), as: UTF8.self))
                let headAnswer = await HostCheckTests.request(server.port, "HEAD", path, host: "127.0.0.1:\(server.port)")
                #expect(headAnswer?.status == 200 && headAnswer?.headers["content-length"] == "\(bytes.count)")
                // The name is only for players: another name for the same file works.
                #expect(await server.request("GET", "/stream/\(hash)/0/film.mkv?link=\(token)", headers: ["Range": "bytes=0-3"])?.status == 206)

                // Tampered (each part), expired, another file, another torrent: refused.
                let (expiry, mac) = (token.split(separator: ".")[0], token.split(separator: ".")[1])
                let flipped = (mac.first == "A" ? "B" : "A") + mac.dropFirst()
                let links = server.auth.accounts.streamLinks
                let expired = links.token(infoHash: hash, index: 0, expires: Int64(time(nil)) - 5).token
                let refusals: [(String, String)] = [
                    ("/stream/\(hash)/0/film.mp4?link=\(expiry).\(flipped)", "link_invalid"),
                    ("/stream/\(hash)/0/film.mp4?link=\(Int64(expiry)! + 3600).\(mac)", "link_invalid"),
                    ("/stream/\(hash)/0/film.mp4?link=\(expiry)", "link_invalid"),
                    ("/stream/\(hash)/0/film.mp4?link=\(String(repeating: "9", count: 500))", "link_invalid"),
                    ("/stream/\(hash)/0/film.mp4?link=", "link_invalid"),
                    ("/stream/\(hash)/0/film.mp4?link=\(expired)", "link_expired"),
                    ("/stream/\(hash)/1/film.mp4?link=\(token)", "link_invalid"),
                    ("/stream/\(String(repeating: "ab", count: 20))/0/film.mp4?link=\(token)", "link_invalid"),
                ]
                for (refused, code) in refusals {
                    let response = await server.request("GET", refused)
                    #expect(response?.status == 403, "\(refused) → \(response?.status ?? 0)")
                    #expect(response?.body.contains("\"code\":\"\(code)\"") == true, "\(refused): \(response?.body ?? "")")
                }

                // A link opens nothing else: other routes, other methods, a deeper path.
                for (method, other) in [
                    ("GET", "/api/v1/torrents?link=\(token)"), ("GET", "/api/v1/torrents/\(hash)/files/0/link?link=\(token)"),
                    ("GET", "/api/v1/torrents/\(hash)?link=\(token)"), ("DELETE", "/api/v1/torrents/\(hash)?link=\(token)"),
                    ("POST", "/stream/\(hash)/0/film.mp4?link=\(token)"), ("GET", "/stream/\(hash)/0/film.mp4/x?link=\(token)"),
                    ("GET", "/metrics?link=\(token)"),
                ] {
                    let response = try #require(await server.request(method, other, body: method == "GET" ? "" : "{}"))
                    #expect(response.status == 401, "\(method) \(other) → \(response.status)")
                }
                let page = try #require(await server.request("GET", "/t/\(hash)?link=\(token)"))
                #expect(page.status == 303 && page.headers["location"]?.hasPrefix("/login") == true)
                #expect(await server.request("GET", "/stream/\(hash)/0/film.mp4")?.status == 401)

                // The transfer page offers the link page; it and the playlist carry a working link.
                let detail = try #require(await server.request("GET", "/t/\(hash)", headers: ["Cookie": user.cookie]))
                #expect(detail.body.contains("href=\"/links/\(hash)/0\""))
                let linkPage = try #require(await server.request("GET", "/links/\(hash)/0", headers: ["Cookie": user.cookie]))
                #expect(linkPage.status == 200 && linkPage.body.contains("id=\"copy-link\"") && linkPage.body.contains("/stream/\(hash)/0/film.mp4?link="))
                let playlist = try #require(await server.request("GET", "/links/\(hash)/0/playlist.m3u", headers: ["Cookie": user.cookie]))
                #expect(playlist.status == 200 && playlist.headers["content-type"]?.hasPrefix("audio/x-mpegurl") == true)
                #expect(playlist.headers["content-disposition"] == "attachment; filename=\"film.mp4.m3u\"")
                let lines = playlist.body.split(separator: "\n")
                #expect(lines.count == 3 && lines[0] == "#EXTM3U" && lines[1] == "#EXTINF:-1,film.mp4")
                let fromPlaylist = String(lines.last ?? "").replacing("http://127.0.0.1:\(server.port)", with: "")
                #expect(await server.request("GET", fromPlaylist, headers: ["Range": "bytes=0-9"])?.status == 206)
                #expect(await server.request("GET", "/links/\(hash)/7", headers: ["Cookie": user.cookie])?.status == 404)

                // The key is stored: another Accounts over the same store (a restart) accepts the link...
                let reopened = try await Accounts(store: server.store, settings: .testing, logger: AuthServer.logger)
                #expect(reopened.streamLinks.check(token, infoHash: hash, index: 0) == .valid)
                // ...and a password change ends every link.
                try await server.auth.accounts.setPassword(of: kid.id, to: "another-password")
                let revoked = await server.request("GET", path)
                #expect(revoked?.status == 403 && revoked?.body.contains("link_invalid") == true)
                let fresh = try #require(await server.login("kid", "another-password"))
                let again = try #require(await server.request("GET", "/api/v1/torrents/\(hash)/files/0/link", headers: ["Cookie": fresh.cookie]))
                #expect(await server.request("GET", try #require(Self.field("path", in: again.body)))?.status == 200)
            }
        }
    }

    @Test("link tokens and stream paths: garbage never verifies, only four-part stream paths are targets")
    func parsing() {
        let links = StreamLinks(key: Array(repeating: 7, count: 32), lifetimeSeconds: 3600, clock: { 1_000 })
        let hash = String(repeating: "c9", count: 20)
        let token = links.token(infoHash: hash, index: 3).token
        #expect(token.hasPrefix("4600."))
        #expect(links.check(token, infoHash: hash, index: 3) == .valid)
        #expect(links.check(token, infoHash: hash.uppercased(), index: 3) == .valid)
        #expect(links.check(token, infoHash: hash, index: 4) == .invalid)
        #expect(links.token(infoHash: hash, index: 3, expires: 999).token != token)
        #expect(links.check(links.token(infoHash: hash, index: 3, expires: 999).token, infoHash: hash, index: 3) == .expired)
        var generator = SplitMix64(seed: 8)
        let alphabet = Array("0123456789.-_=+/abcXYZ%\u{0}é".unicodeScalars)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 70)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
            #expect(links.check(text, infoHash: hash, index: 3) == .invalid)
            _ = StreamLinks.target(ofPath: "/stream/" + text)
        }
        #expect(StreamLinks.target(ofPath: "/stream/\(hash)/3/film.mkv")?.index == 3)
        #expect(StreamLinks.target(ofPath: "/stream/\(hash.uppercased())/3/film.mkv")?.infoHash == hash)
        for path in [
            "/stream/\(hash)/3/", "/stream/\(hash)/3", "/stream/\(hash)/3/a/b", "/stream/\(hash)/-3/a", "/stream/\(hash)/3/..",
            "/stream/\(hash.dropLast())/3/a", "/stream/\(hash)g/3/a", "/api/v1/stream/\(hash)/3/a", "/stream/\(hash)/1234567890/a",
            "/stream//\(hash)/3/a",
        ] {
            #expect(StreamLinks.target(ofPath: path) == nil, "\(path)")
        }
    }

    static func field(_ name: String, in json: String) -> String? {
        guard let start = json.firstRange(of: "\"\(name)\":\"") else { return nil }
        let rest = json[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
