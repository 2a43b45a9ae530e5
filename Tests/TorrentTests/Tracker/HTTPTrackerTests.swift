import NIOPosix
import Testing
@testable import Torrent

/// HTTP announces against the real opentracker and against scripted listeners that misbehave.
@Suite struct HTTPTrackerTests {
    @Test func twoClientsSeeEachOtherAndStoppedRemovesAPeer() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let client = TrackerFixture.http()
        let url = try TrackerURL(tracker.httpURL)
        let first = TrackerFixture.request(port: 7001)
        let second = TrackerFixture.request(port: 7002)
        _ = try await client.announce(first, to: url, binding: .unbound, timeout: .seconds(5))
        let seenBySecond = try await client.announce(second, to: url, binding: .unbound, timeout: .seconds(5))
        #expect(seenBySecond.peers.contains(PeerAddress(text: "127.0.0.1:7001")!))
        #expect(seenBySecond.incomplete == 2 && seenBySecond.complete == 0)
        #expect(seenBySecond.interval > .zero && seenBySecond.minInterval != nil)

        var again = first
        again.event = .none
        let seenByFirst = try await client.announce(again, to: url, binding: .unbound, timeout: .seconds(5))
        #expect(seenByFirst.peers.contains(PeerAddress(text: "127.0.0.1:7002")!))

        var stopped = second
        stopped.event = .stopped
        _ = try await client.announce(stopped, to: url, binding: .unbound, timeout: .seconds(5))
        let afterStop = try await client.announce(again, to: url, binding: .unbound, timeout: .seconds(5))
        #expect(!afterStop.peers.contains(PeerAddress(text: "127.0.0.1:7002")!))
        #expect(afterStop.incomplete == 1)
    }

    @Test func aHashOffTheWhitelistGivesTheTrackersReason() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let error = await announceError(TrackerFixture.http(), TrackerFixture.request(TrackerFixture.otherHash, port: 7003), to: tracker.httpURL)
        #expect(error?.url == tracker.httpURL)
        guard case .failure(let reason)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("not authorized"))
    }

    @Test func bindingToAnInterfaceIsApplied() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let client = TrackerFixture.http()
        let url = try TrackerURL(tracker.httpURL)
        let loopback = NetworkBinding(interfaceName: "lo")
        _ = try await client.announce(TrackerFixture.request(port: 7004), to: url, binding: loopback, timeout: .seconds(5))
        let bySource = NetworkBinding(sourceAddress: "127.0.0.1")
        _ = try await client.announce(TrackerFixture.request(port: 7005), to: url, binding: bySource, timeout: .seconds(5))

        // A missing interface fails closed: no fallback to the default route.
        let missing = NetworkBinding(interfaceName: "rillnone0")
        let error = await announceError(client, TrackerFixture.request(port: 7006), to: tracker.httpURL, binding: missing)
        #expect(error?.reason.kind == "network")
    }

    @Test func hostNamesGoThroughTheEngineResolver() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let resolver = TableResolver(table: ["tracker.rill.test": [[127, 0, 0, 1]], "v6only.rill.test": [[UInt8](repeating: 0, count: 15) + [1]]])
        let client = TrackerFixture.http(resolver: resolver)
        let named = "http://tracker.rill.test:\(tracker.port)/announce"
        let response = try await client.announce(TrackerFixture.request(port: 7007), to: try TrackerURL(named), binding: .unbound, timeout: .seconds(5))
        #expect(response.incomplete ?? 0 >= 1)

        let unknown = await announceError(client, TrackerFixture.request(port: 7008), to: "http://elsewhere.rill.test:\(tracker.port)/announce")
        #expect(unknown?.reason == .resolution(host: "elsewhere.rill.test", reason: "not in the table"))
        let noV6 = await announceError(client, TrackerFixture.request(port: 7008), to: "http://v6only.rill.test:\(tracker.port)/announce",
                                       binding: NetworkBinding(allowsIPv6: false))
        #expect(noV6?.reason.kind == "resolution")
        let literalOnly = await announceError(TrackerFixture.http(), TrackerFixture.request(port: 7008), to: named)
        #expect(literalOnly?.reason.kind == "resolution")
    }

    @Test func theQueryIsEncodedAsSent() async throws {
        let server = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d8:intervali60ee") }
        defer { Task { await server.stop() } }
        let request = AnnounceRequest(
            infoHash: InfoHash(bytes: (0..<20).map { UInt8($0 * 13) })!, peerID: PeerID(bytes: Array("-RL0100-%&=+ /?#\u{7f}abc".utf8))!,
            port: 6881, uploaded: 10, downloaded: 20, left: 30, event: .completed, numWant: 12, key: 0xDEAD_BEEF, trackerID: [0xFF]
        )
        _ = try await TrackerFixture.http().announce(request, to: try TrackerURL(server.url + "?pk=1"), binding: .unbound, timeout: .seconds(5))
        #expect(server.targets == [
            "/announce?pk=1&info_hash=%00%0D%1A%274AN%5Bhu%82%8F%9C%A9%B6%C3%D0%DD%EA%F7"
            + "&peer_id=-RL0100-%25%26%3D%2B%20%2F%3F%23%7Fabc&port=6881&uploaded=10&downloaded=20&left=30&compact=1"
            + "&event=completed&numwant=12&key=DEADBEEF&trackerid=%FF",
        ])
    }

    @Test func garbageAndHostileBodiesAreTypedErrors() async throws {
        let server = try await ScriptedHTTPServer { target, _ in
            switch target.split(separator: "?").first ?? "" {
            case "/garbage": ScriptedHTTPServer.response(200, [0x64, 0xFF, 0x00, 0x13] + Array("<html>".utf8))
            case "/truncated": ScriptedHTTPServer.response(200, "d8:intervali1800e5:peers12:\u{7f}\0\0")
            case "/huge": ScriptedHTTPServer.response(200, [UInt8](repeating: 0x41, count: 3 << 20))
            case "/chunked-huge":
                Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
                    + (0..<40).flatMap { _ in Array("10000\r\n".utf8) + [UInt8](repeating: 0x69, count: 0x10000) + Array("\r\n".utf8) }
            case "/error500": ScriptedHTTPServer.response(500, "<h1>oops</h1>")
            case "/failure403": ScriptedHTTPServer.response(403, "d14:failure reason6:bannede")
            case "/nothttp": Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)
            default: ScriptedHTTPServer.response(404, "")
            }
        }
        defer { Task { await server.stop() } }
        let client = TrackerFixture.http()
        let base = "http://127.0.0.1:\(server.port)"
        func reason(_ path: String) async -> TrackerError.Reason? {
            await announceError(client, TrackerFixture.request(port: 7010), to: base + path)?.reason
        }
        #expect(await reason("/garbage") == .malformedResponse(what: "bencode invalidCharacter", offset: 1))
        #expect(await reason("/truncated")?.kind == "malformedResponse")
        #expect(await reason("/huge") == .responseTooLarge(limit: 1 << 20))
        #expect(await reason("/chunked-huge") == .responseTooLarge(limit: 1 << 20))
        #expect(await reason("/error500") == .httpStatus(500))
        #expect(await reason("/failure403") == .failure("banned"))
        #expect(await reason("/nothttp")?.kind == "network")
    }

    @Test func redirectsAreFollowedAFewTimesOnly() async throws {
        let server = try await ScriptedHTTPServer { target, _ in
            if target.hasPrefix("/moved") {
                return ScriptedHTTPServer.response(302, "", headers: ["Location: /final?x=1"])
            }
            if target.hasPrefix("/final") { return ScriptedHTTPServer.response(200, "d8:intervali77ee") }
            if target.hasPrefix("/loop") { return ScriptedHTTPServer.response(301, "", headers: ["Location: /loop"]) }
            if target.hasPrefix("/away") { return ScriptedHTTPServer.response(302, "", headers: ["Location: udp://127.0.0.1:1/"]) }
            if target.hasPrefix("/named") { return ScriptedHTTPServer.response(302, "", headers: ["Location: http://leak.example/"]) }
            return ScriptedHTTPServer.response(404, "")
        }
        defer { Task { await server.stop() } }
        let client = TrackerFixture.http(maxRedirects: 2)
        let base = "http://127.0.0.1:\(server.port)"
        let response = try await client.announce(TrackerFixture.request(port: 7011), to: try TrackerURL(base + "/moved"), binding: .unbound, timeout: .seconds(5))
        #expect(response.interval == .seconds(77))
        #expect(server.targets.last == "/final?x=1")
        #expect(await announceError(client, TrackerFixture.request(port: 7011), to: base + "/loop")?.reason == .network("more than 2 redirects"))
        #expect(await announceError(client, TrackerFixture.request(port: 7011), to: base + "/away")?.reason.kind == "network")
        // A redirect to a name goes through the engine resolver too (which knows no names here): nothing leaks.
        #expect(await announceError(client, TrackerFixture.request(port: 7011), to: base + "/named")?.reason.kind == "resolution")
    }

    @Test func aSilentServerTimesOutAndCancellationIsPrompt() async throws {
        let server = try await ScriptedHTTPServer { _, _ in nil }
        defer { Task { await server.stop() } }
        let client = TrackerFixture.http()
        let clock = ContinuousClock()
        let start = clock.now
        let error = await announceError(client, TrackerFixture.request(port: 7012), to: server.url, timeout: .milliseconds(500))
        #expect(error?.reason.kind == "timeout")
        #expect(clock.now - start < .seconds(2))

        let task = Task { await announceError(client, TrackerFixture.request(port: 7013), to: server.url, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(200))
        let cancelledAt = clock.now
        task.cancel()
        #expect(await task.value?.reason == .cancelled)
        #expect(clock.now - cancelledAt < .seconds(2))
    }

    @Test func unsupportedSchemesAreNamed() async {
        let error = await announceError(TrackerFixture.clients(), TrackerFixture.request(port: 7014), to: "wss://t.example/announce")
        #expect(error?.reason == .unsupportedScheme("wss"))
        let noUDP = TrackerClients(http: TrackerFixture.http(), udp: nil)
        #expect(await announceError(noUDP, TrackerFixture.request(port: 7014), to: "udp://127.0.0.1:1")?.reason == .unsupportedScheme("udp"))
    }
}
