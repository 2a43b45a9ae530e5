import Config
import Device
import Synchronization
import TestSupport
import Testing
import Web

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `/api/v1/update` over real HTTP on the real application: streamed uploads (Content-Length and chunked, in odd
/// chunk sizes), the update's own body limit and idle timeout, refusals mapped to 4xx with both slots as they were,
/// one update at a time, URL installs, the reboot route.
@Suite(.serialized) struct UpdateRoutesTests {
    /// Sends a POST of `body` in chunks whose sizes cycle through `chunkSizes` (chunked transfer encoding when
    /// `chunked`), pausing `pause` between chunks; returns the response.
    static func upload(
        _ body: [UInt8], port: Int, query: String = "", chunkSizes: [Int] = [65_536], chunked: Bool = false,
        contentLength: Int? = nil, pauseMilliseconds: Int = 0, timeoutSeconds: Int = 30
    ) async throws -> RawHTTPConnection.Response? {
        let connection = try RawHTTPConnection(port: port, timeoutSeconds: timeoutSeconds)
        return await offPool { () -> RawHTTPConnection.Response? in
            var head = "POST /api/v1/update\(query) HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            head += chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(contentLength ?? body.count)\r\n"
            guard connection.send(head + "\r\n") else { return connection.readResponse() }
            var offset = 0
            var turn = 0
            while offset < body.count {
                let size = min(chunkSizes[turn % chunkSizes.count], body.count - offset)
                let piece = Array(body[offset..<offset + size])
                let sent = chunked
                    ? connection.send(Array((String(size, radix: 16) + "\r\n").utf8) + piece + [13, 10])
                    : connection.send(piece)
                if !sent { break }
                offset += size
                turn += 1
                if pauseMilliseconds > 0 { usleep(useconds_t(pauseMilliseconds * 1000)) }
            }
            if chunked { connection.send("0\r\n\r\n") }
            return connection.readResponse()
        }
    }

    static func get(_ path: String, port: Int) async throws -> RawHTTPConnection.Response? {
        let connection = try RawHTTPConnection(port: port)
        connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
        return await connection.response()
    }

    static func post(_ path: String, json: String, port: Int) async throws -> RawHTTPConnection.Response? {
        let connection = try RawHTTPConnection(port: port)
        connection.send("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
        return await connection.response()
    }

    @Test func uploadInOddChunksStagesTheInactiveSlot() async throws {
        let lab = try WebUpdateLab()
        try lab.fill("a", seed: 7)
        // 3 MiB: more than http.max_body_bytes (1 MiB), which does not apply to bundles.
        let bundle = try lab.bundle(systemBytes: 2_500_000)
        let service = lab.service()
        try await withLiveServer(update: service) { port, _ in
            let before = try await Self.get("/api/v1/update", port: port)
            #expect(before?.status == 200)
            #expect(before?.body.contains(#""available":true"#) == true)
            #expect(before?.body.contains(#""progress":{"attempts":0,"bytes":0,"phase":"idle"}"#) == true, "\(before?.body ?? "")")

            let response = try await Self.upload(bundle, port: port, chunkSizes: [1, 7, 4093, 65_537, 333, 131_072, 17])
            #expect(response?.status == 200, "\(response?.body ?? "no response")")
            #expect(response?.body.contains(#""trial":{"slot":"b","tries_left":3,"version":"0.2.0"}"#) == true, "\(response?.body ?? "")")
            #expect(response?.body.contains(#""phase":"staged""#) == true)
            #expect(response?.body.contains(#""last_result":{"outcome":"staged","slot":"b","version":"0.2.0"}"#) == true)
            #expect(response?.body.contains("\"bytes\":\(bundle.count)") == true)
            #expect(lab.slots()["system.img-a"] == .some(WebUpdateLab.bytes(50_000, seed: 7)), "the running slot is untouched")

            // Again, chunked: the same version is a reinstall into the same slot.
            let chunked = try await Self.upload(bundle, port: port, chunkSizes: [9_999, 1, 65_536 * 3 + 5], chunked: true)
            #expect(chunked?.status == 200, "\(chunked?.body ?? "no response")")
        }
        await service.shutdown()
    }

    @Test func refusalsAre4xxAndLeaveBothSlotsAsTheyWere() async throws {
        let lab = try WebUpdateLab()
        try lab.fill("a", seed: 7)
        try lab.fill("b", seed: 8)
        let good = try lab.bundle()
        var tamperedManifest = good
        tamperedManifest[40] ^= 0x01
        var tamperedImage = good
        tamperedImage[good.count - 5] ^= 0x01
        let cases: [(String, [UInt8], Int?, String, Int, String)] = [
            ("garbage", Array("this is not a bundle at all, not even close".utf8), nil, "", 400, "bundle_malformed"),
            ("truncated", Array(good.prefix(good.count - 100)), nil, "", 400, "bundle_truncated"),
            ("bad signature", tamperedManifest, nil, "", 422, "bundle_bad_signature"),
            ("stranger's key", try lab.bundle(key: BundleSigningKey.generate()), nil, "", 422, "bundle_bad_signature"),
            ("wrong board", try lab.bundle(board: "pi-zero-2w"), nil, "", 422, "bundle_wrong_board"),
            ("downgrade", try lab.bundle(version: "0.0.9", minimum: "0.0.1"), nil, "", 422, "bundle_downgrade"),
            ("too large", good, 65 << 20, "", 413, "payload_too_large"),
        ]
        let service = lab.service()
        try await withLiveServer(update: service) { port, _ in
            for (name, body, length, query, status, code) in cases {
                let slots = lab.slots()
                let state = lab.store.load().state
                let response = try await Self.upload(body, port: port, query: query, chunkSizes: [1000, 77_777], contentLength: length)
                #expect(response?.status == status, "\(name): \(response?.body ?? "no response")")
                #expect(response?.body.contains("\"code\":\"\(code)\"") == true, "\(name): \(response?.body ?? "")")
                #expect(lab.slots() == slots, "\(name) changed a slot")
                let after = lab.store.load().state
                #expect(after.lastGood == state.lastGood && after.trial == state.trial, "\(name) changed what boots")
                // (A Content-Length over the limit is refused before the route: no update started.)
                guard length == nil else { continue }
                let status = try await Self.get("/api/v1/update", port: port)
                #expect(status?.body.contains("\"code\":\"\(code)\"") == true, "\(name): progress shows the error: \(status?.body ?? "")")
            }
            // A tampered image is found when its hash completes: the inactive slot was written, then refused; it is
            // never staged and the running slot is untouched.
            let slotA = lab.slots().filter { $0.key.hasSuffix("-a") }
            let response = try await Self.upload(tamperedImage, port: port)
            #expect(response?.status == 422)
            #expect(response?.body.contains(#""code":"bundle_tampered""#) == true)
            #expect(response?.body.contains("image boot.img") == true)
            #expect(lab.slots().filter { $0.key.hasSuffix("-a") } == slotA)
            #expect(lab.store.load().state.trial == nil)
            #expect(lab.store.load().state.lastResult?.outcome == .installFailed)

            // The downgrade is accepted when asked for explicitly.
            let downgrade = try lab.bundle(version: "0.0.9", minimum: "0.0.1")
            #expect(try await Self.upload(downgrade, port: port, query: "?allow_downgrade=true")?.status == 200)
        }
        await service.shutdown()
    }

    @Test func oneUpdateAtATime() async throws {
        let lab = try WebUpdateLab()
        let bundle = try lab.bundle(systemBytes: 1_000_000)
        let service = lab.service()
        try await withLiveServer(update: service) { port, _ in
            let first = try RawHTTPConnection(port: port, timeoutSeconds: 30)
            let half = bundle.count / 2
            let head = "POST /api/v1/update HTTP/1.1\r\nHost: x\r\nContent-Length: \(bundle.count)\r\n\r\n"
            #expect(await offPool { first.send(head) && first.send(Array(bundle.prefix(half))) })
            var phase = ""
            for _ in 0..<100 {
                phase = try await Self.get("/api/v1/update", port: port)?.body ?? ""
                if phase.contains(#""phase":"receiving""#) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(phase.contains(#""phase":"receiving""#), "\(phase)")
            let second = try await Self.upload(bundle, port: port)
            #expect(second?.status == 409)
            #expect(second?.body.contains(#""code":"update_in_progress""#) == true)
            let url = try await Self.post("/api/v1/update", json: #"{"url": "http://127.0.0.1:1/x"}"#, port: port)
            #expect(url?.status == 409)
            let reboot = try await Self.post("/api/v1/update/reboot", json: "{}", port: port)
            #expect(reboot?.status == 409)

            let rest = Array(bundle[half...])
            let response = await offPool { first.send(rest) ? first.readResponse() : nil }
            #expect(response?.status == 200, "\(response?.body ?? "no response")")
        }
        await service.shutdown()
    }

    @Test func slowUploadsMayTakeLongerThanTheRequestTimeout() async throws {
        let lab = try WebUpdateLab()
        let bundle = try lab.bundle(systemBytes: 400_000)
        let service = lab.service()
        try await withLiveServer(settings: { $0.requestTimeoutSeconds = 2 }, update: service) { port, _ in
            // 500 KB in 25 KB pieces every 250 ms: about 5 s, never 2 s without a byte.
            let started = ContinuousClock.now
            let response = try await Self.upload(bundle, port: port, chunkSizes: [25_000], pauseMilliseconds: 250)
            #expect(response?.status == 200, "\(response?.body ?? "no response")")
            #expect(ContinuousClock.now - started > .seconds(3))

            // An upload that stops sending is cut off after the timeout. This one stopped before its first batch
            // reached the slot writer: the staged 0.2.0 from before is still staged.
            let stalled = try RawHTTPConnection(port: port, timeoutSeconds: 20)
            let head = "POST /api/v1/update HTTP/1.1\r\nHost: x\r\nContent-Length: \(bundle.count)\r\n\r\n"
            #expect(await offPool { stalled.send(head) && stalled.send(Array(bundle.prefix(200_000))) })
            let cut = await stalled.response()
            #expect(cut?.status == 408, "\(cut?.body ?? "no response")")
            try await Task.sleep(for: .milliseconds(200))
            #expect(service.currentProgress.phase == .failed)
            #expect(lab.store.load().state.trial?.slot == .b)

            // One that stops after its images began: the install is recorded as failed, nothing on trial.
            let bigger = try lab.bundle(version: "0.3.0", systemBytes: 2_000_000)
            let stalledLater = try RawHTTPConnection(port: port, timeoutSeconds: 20)
            let head2 = "POST /api/v1/update HTTP/1.1\r\nHost: x\r\nContent-Length: \(bigger.count)\r\n\r\n"
            #expect(await offPool { stalledLater.send(head2) && stalledLater.send(Array(bigger.prefix(1_200_000))) })
            let cutLater = await stalledLater.response()
            #expect(cutLater?.status == 408, "\(cutLater?.body ?? "no response")")
            try await Task.sleep(for: .milliseconds(200))
            #expect(lab.store.load().state.lastResult == UpdateResult(.installFailed, version: try #require(BundleVersion("0.3.0")), slot: .b))
            #expect(lab.store.load().state.trial == nil)
        }
        await service.shutdown()
    }

    @Test func urlInstallAndErrors() async throws {
        let lab = try WebUpdateLab()
        _ = try lab.bundleFile(systemBytes: 800_000, name: "good.rillbundle")
        let server = try await RangeFileServer(directory: lab.directory.path, logDirectory: lab.directory.path)
        let service = lab.service()
        try await withLiveServer(update: service) { port, _ in
            let accepted = try await Self.post("/api/v1/update", json: "{\"url\": \"\(server.url("good.rillbundle"))\"}", port: port)
            #expect(accepted?.status == 202, "\(accepted?.body ?? "")")
            #expect(accepted?.body.contains(#""source":"url""#) == true)
            var body = ""
            for _ in 0..<200 {
                body = try await Self.get("/api/v1/update", port: port)?.body ?? ""
                if body.contains(#""phase":"staged""#) || body.contains(#""phase":"failed""#) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(body.contains(#""phase":"staged""#), "\(body)")
            #expect(body.contains(#""trial":{"slot":"b""#), "\(body)")

            let bad = try await Self.post("/api/v1/update", json: #"{"url": "file:///etc/passwd"}"#, port: port)
            #expect(bad?.status == 400)
            #expect(bad?.body.contains(#""code":"invalid_url""#) == true)
            let notJSON = try await Self.post("/api/v1/update", json: #"{"address": 1}"#, port: port)
            #expect(notJSON?.status == 400)
        }
        await service.shutdown()
        await server.stop()
    }

    @Test func rebootRoute() async throws {
        let lab = try WebUpdateLab()
        let none = lab.service()
        try await withLiveServer(update: none) { port, _ in
            let refused = try await Self.post("/api/v1/update/reboot", json: "{}", port: port)
            #expect(refused?.status == 409)
            #expect(refused?.body.contains(#""code":"reboot_unavailable""#) == true)
        }
        await none.shutdown()

        let plans = Mutex<[RebootPlan]>([])
        let service = lab.service { plan in plans.withLock { $0.append(plan) } }
        let bundle = try lab.bundle()
        try await withLiveServer(update: service) { port, _ in
            #expect(try await Self.upload(bundle, port: port)?.status == 200)
            let response = try await Self.post("/api/v1/update/reboot", json: "{}", port: port)
            #expect(response?.status == 202)
            #expect(response?.body == #"{"slot":"b"}"#)
        }
        #expect(plans.withLock { $0 } == [RebootPlan(slot: .b, argument: nil)])
        await service.shutdown()
    }
}
