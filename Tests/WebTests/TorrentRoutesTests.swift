import Bencode
import Logging
import Store
import TestSupport
import Testing
import Torrent
import Web

/// `/api/v1/torrents` on a live server, over a real engine and store.
@Suite(.timeLimit(.minutes(1))) struct TorrentRoutesTests {
    static let logger = Logger(label: "test.torrents")

    /// A .torrent for 5 pieces nobody seeds: the API is what is tested here, downloads are tested in TorrentTests.
    static func torrentFile(name: String) -> [UInt8] {
        let info: BencodeDictionary = [
            "name": .bytes(Array(name.utf8)), "length": .integer(5 * 16_384), "piece length": 16_384,
            "pieces": .bytes([UInt8](repeating: 3, count: 100)),
        ]
        return BencodeEncoder().encode(.dictionary(["announce": "udp://127.0.0.1:9/announce", "info": .dictionary(info)]))
    }

    /// One request on a fresh connection; the blocking socket work runs off the cooperative pool.
    static func request(_ port: Int, _ method: String, _ path: String, type: String = "application/json", body: [UInt8] = []) async throws -> RawHTTPConnection.Response? {
        let head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return await offPool {
            guard let connection = try? RawHTTPConnection(port: port), connection.send(Array(head.utf8) + body) else { return nil }
            return connection.readResponse()
        }
    }

    func withLibrary(_ directory: TemporaryDirectory, _ body: (TorrentLibrary) async throws -> Void) async throws {
        let store = try Store(directory: directory.path + "/data", busyTimeoutMilliseconds: 1000, logger: Self.logger)
        var configuration = EngineConfiguration()
        configuration.listenHost = "127.0.0.1"
        let engine = Engine(configuration: configuration, logger: Self.logger)
        let library = TorrentLibrary(
            engine: engine, store: store, downloadDirectory: directory.path + "/downloads",
            stateDirectory: directory.path + "/state", logger: Self.logger
        )
        await library.restore()
        try await body(library)
        await engine.shutdown()
        await store.close()
    }

    @Test func addListDetailPauseResumePrioritiesAndRemove() async throws {
        let directory = try TemporaryDirectory()
        var hash = ""
        try await withLibrary(directory) { library in
            try await withLiveServer(library: library) { port, _ in
                let added = try #require(try await Self.request(port, "POST", "/api/v1/torrents", type: "application/x-bittorrent", body: Self.torrentFile(name: "film.mkv")))
                #expect(added.status == 201)
                hash = String(added.body.split(separator: "\"")[3])
                #expect(hash.count == 40)

                let magnet = "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=Other"
                let second = try #require(try await Self.request(port, "POST", "/api/v1/torrents?paused=true", body: Array("{\"magnet\":\"\(magnet)\"}".utf8)))
                #expect(second.status == 201)

                let list = try #require(try await Self.request(port, "GET", "/api/v1/torrents"))
                #expect(list.status == 200 && list.body.contains("\"film.mkv\"") && list.body.contains("\"Other\""))

                let detail = try #require(try await Self.request(port, "GET", "/api/v1/torrents/\(hash)"))
                #expect(detail.status == 200 && detail.body.contains("\"path\":\"film.mkv\"") && detail.body.contains("udp://127.0.0.1:9/announce"))

                let events = await offPool { () -> String? in
                    guard let connection = try? RawHTTPConnection(port: port, timeoutSeconds: 5),
                          connection.send("GET /api/v1/torrents/events HTTP/1.1\r\nHost: x\r\n\r\n") else { return nil }
                    return connection.readUntil("\n\n")
                }
                #expect(events?.contains("text/event-stream") == true)
                #expect(events?.contains("event: torrents\ndata: {\"torrents\":[") == true)

                #expect(try await Self.request(port, "POST", "/api/v1/torrents/\(hash)/pause")?.status == 204)
                #expect(try await Self.request(port, "GET", "/api/v1/torrents/\(hash)")?.body.contains("\"state\":\"paused\"") == true)
                #expect(try await Self.request(port, "POST", "/api/v1/torrents/\(hash)/resume")?.status == 204)
                #expect(try await Self.request(port, "PUT", "/api/v1/torrents/\(hash)/files", body: Array("{\"priorities\":[0]}".utf8))?.status == 204)
                #expect(try await Self.request(port, "GET", "/api/v1/torrents/\(hash)")?.body.contains("\"priority\":0") == true)
            }
        }
        // A restart brings both back from the store, the paused one still paused.
        try await withLibrary(directory) { library in
            let torrents = await library.list()
            let paused = torrents.first { $0.name == "Other" }?.state
            #expect(Set(torrents.map(\.name)) == ["film.mkv", "Other"])
            #expect(paused == .paused)
            try await withLiveServer(library: library) { port, _ in
                let removed = try await Self.request(port, "DELETE", "/api/v1/torrents/\(hash)?delete_data=true")
                #expect(removed?.status == 204)
                let gone = try await Self.request(port, "GET", "/api/v1/torrents/\(hash)")
                #expect(gone?.status == 404)
            }
        }
    }

    @Test(arguments: [
        ("POST", "/api/v1/torrents", "application/x-bittorrent", "d4:infod4:name1:xee", 400, "bad_request"),
        ("POST", "/api/v1/torrents", "application/json", "{\"magnet\":\"magnet:?xt=urn:btih:123\"}", 400, "bad_request"),
        ("POST", "/api/v1/torrents", "application/json", "{\"url\":\"x\"}", 400, "bad_request"),
        ("POST", "/api/v1/torrents", "application/json", "not json", 400, "bad_request"),
        ("GET", "/api/v1/torrents/xyz", "application/json", "", 400, "bad_request"),
        ("GET", "/api/v1/torrents/0000000000000000000000000000000000000000", "application/json", "", 404, "not_found"),
        ("DELETE", "/api/v1/torrents/0000000000000000000000000000000000000000", "application/json", "", 404, "not_found"),
        ("PUT", "/api/v1/torrents/0000000000000000000000000000000000000000/files", "application/json", "{\"priorities\":[9]}", 400, "bad_request"),
    ])
    func badRequestsGetTheErrorShape(method: String, path: String, type: String, body: String, status: Int, code: String) async throws {
        let directory = try TemporaryDirectory()
        try await withLibrary(directory) { library in
            try await withLiveServer(library: library) { port, _ in
                let response = try #require(try await Self.request(port, method, path, type: type, body: Array(body.utf8)))
                #expect(response.status == status)
                #expect(response.body.contains("\"code\":\"\(code)\""))
            }
        }
    }
}

/// Adding by URL: the `.torrent` is fetched from a real HTTP server (Python's) through the engine's HTTP client.
@Suite(.timeLimit(.minutes(1))) struct TorrentURLAddTests {
    @Test func aTorrentURLAndAMagnetURLAreAddedAndAMissingFileIsABadRequest() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("linked.torrent", TorrentRoutesTests.torrentFile(name: "linked.mkv"))
        let port = freeTCPPort()
        let server = try ManagedProcess(
            name: "http-server", executable: "/usr/bin/python3",
            arguments: ["-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.path, "\(port)"],
            logDirectory: directory.path
        )
        defer { _ = server.kill() }
        try await waitUntilAccepting(port: port)

        try await TorrentRoutesTests().withLibrary(directory) { library in
            try await withLiveServer(library: library) { api, _ in
                let url = "http://127.0.0.1:\(port)/linked.torrent"
                let added = try #require(try await TorrentRoutesTests.request(api, "POST", "/api/v1/torrents", body: Array("{\"url\":\"\(url)\"}".utf8)))
                #expect(added.status == 201, "\(added.body)")
                let magnet = "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=ByURL"
                let byMagnet = try #require(try await TorrentRoutesTests.request(api, "POST", "/api/v1/torrents", body: Array("{\"url\":\"\(magnet)\"}".utf8)))
                #expect(byMagnet.status == 201)
                let list = try #require(try await TorrentRoutesTests.request(api, "GET", "/api/v1/torrents"))
                #expect(list.body.contains("\"linked.mkv\"") && list.body.contains("\"ByURL\""))

                let missing = try #require(try await TorrentRoutesTests.request(api, "POST", "/api/v1/torrents", body: Array("{\"url\":\"http://127.0.0.1:\(port)/nothing.torrent\"}".utf8)))
                #expect(missing.status == 400 && missing.body.contains("HTTP status 404"), "\(missing.body)")
                let ftp = try #require(try await TorrentRoutesTests.request(api, "POST", "/api/v1/torrents", body: Array("{\"url\":\"ftp://127.0.0.1/x.torrent\"}".utf8)))
                #expect(ftp.status == 400 && ftp.body.contains("unsupported scheme"), "\(ftp.body)")
            }
        }
    }

    /// Polls until something accepts on `port` (Python takes a moment to start).
    private func waitUntilAccepting(port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if await offPool({ (try? RawHTTPConnection(port: port)) != nil }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("nothing accepted on port \(port)")
    }
}
