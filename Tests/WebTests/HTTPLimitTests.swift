import Config
import Device
import Hummingbird
import Testing
import TestSupport
import Web

@Suite("HTTP server: routes, error shape and limits", .serialized)
struct HTTPLimitTests {
    /// A probe route that reads its whole body through the real middleware and reports its size.
    private static func bodySizeRoute(_ router: Router<RillRequestContext>) {
        router.post("probe/body-size") { request, _ -> String in
            var total = 0
            for try await chunk in request.body { total += chunk.readableBytes }
            return String(total)
        }
    }

    @Test("/healthz answers ok and /api/v1/status reports version, memory, disk and subsystems")
    func statusAndHealth() async throws {
        try await withLiveServer { port, states in
            states.set("store", SubsystemState(.running, detail: "schema version 1"))
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let health = try #require(await connection.response())
            #expect(health.status == 200)
            #expect(health.body == "ok\n")

            connection.send("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
            let status = try #require(await connection.response())
            #expect(status.status == 200)
            #expect(status.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(status.body.contains("\"version\":\"\(RillVersion.current)\""))
            #expect(status.body.contains("\"resident_memory_bytes\":"))
            #expect(status.body.contains("\"data_disk\":{\"free_bytes\":"))
            #expect(status.body.contains("\"store\":{\"detail\":\"schema version 1\",\"phase\":\"running\"}"))

            states.set("store", SubsystemState(.failed, detail: "disk gone"))
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.response()?.status == 503)
        }
    }

    @Test("unknown routes and wrong methods get the stable JSON error shape")
    func errorShape() async throws {
        try await withLiveServer { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /no/such/thing HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await connection.response())
            #expect(response.status == 404)
            #expect(response.body == #"{"error":{"status":404,"code":"not_found","message":"no such resource"}}"#)
        }
    }

    @Test("header fields over max_header_bytes get 431 and the connection is closed")
    func headersTooLarge() async throws {
        try await withLiveServer(settings: { $0.maxHeaderBytes = 2048 }) { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 4096))\r\n\r\n")
            let response = try #require(await connection.response())
            #expect(response.status == 431)
            #expect(response.body.contains("\"code\":\"headers_too_large\""))
            #expect(await connection.closedByServer())

            let many = try RawHTTPConnection(port: port)
            let fields = (0..<300).map { "X-\($0): 1\r\n" }.joined()
            many.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\(fields)\r\n")
            #expect(await many.response()?.status == 431)
        }
    }

    @Test("a request line that is not HTTP gets a JSON 400")
    func garbageRequest() async throws {
        try await withLiveServer { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("\u{01}\u{02}GARBAGE \u{7f}\r\n\r\n")
            let response = try #require(await connection.response())
            #expect(response.status == 400)
            #expect(response.body.contains("\"code\":\"bad_request\""))
        }
    }

    @Test("a declared body over max_body_bytes gets 413 before it is read")
    func declaredBodyTooLarge() async throws {
        try await withLiveServer(settings: { $0.maxBodyBytes = 4096 }, extraRoutes: Self.bodySizeRoute) { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("POST /probe/body-size HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
            let response = try #require(await connection.response())
            #expect(response.status == 413)
            #expect(response.body.contains("\"code\":\"payload_too_large\""))
        }
    }

    @Test("a chunked body is cut off at max_body_bytes with 413 and memory does not grow with what is sent")
    func streamedBodyTooLarge() async throws {
        try await withLiveServer(settings: { $0.maxBodyBytes = 64 * 1024 }, extraRoutes: Self.bodySizeRoute) { port, _ in
            let small = try RawHTTPConnection(port: port)
            small.send("POST /probe/body-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n\(String(repeating: "z", count: 4096))\r\n0\r\n\r\n")
            let accepted = try #require(await small.response())
            #expect(accepted.status == 200)
            #expect(accepted.body == "4096")

            let before = SystemFacts.residentMemoryBytes() ?? 0
            let connection = try RawHTTPConnection(port: port)
            connection.send("POST /probe/body-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = "10000\r\n" + String(repeating: "y", count: 65536) + "\r\n"
            var sent = 0
            for _ in 0..<(256 + 2) {
                guard connection.send(chunk) else { break }
                sent += 65536
            }
            let response = try #require(await connection.response())
            #expect(response.status == 413)
            let growth = (SystemFacts.residentMemoryBytes() ?? 0) - before
            #expect(growth < 8 << 20, "resident memory grew by \(growth) bytes while \(sent) bytes were sent")
        }
    }

    @Test("a client that never finishes its request head gets 408 and is disconnected")
    func slowHead() async throws {
        try await withLiveServer(settings: { $0.requestTimeoutSeconds = 1 }) { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            let started = SystemFacts.monotonicSeconds()
            let response = try #require(await connection.response())
            #expect(response.status == 408)
            #expect(response.body.contains("\"code\":\"request_timeout\""))
            #expect(SystemFacts.monotonicSeconds() - started < 3)
            #expect(await connection.closedByServer())
        }
    }

    @Test("a client that stalls in the middle of its body gets 408")
    func slowBody() async throws {
        try await withLiveServer(settings: { $0.requestTimeoutSeconds = 1 }, extraRoutes: Self.bodySizeRoute) { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("POST /probe/body-size HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little")
            let response = try #require(await connection.response())
            #expect(response.status == 408)
            #expect(await connection.closedByServer())
        }
    }

    @Test("an idle keep-alive connection is closed after the request timeout")
    func idleKeepAlive() async throws {
        try await withLiveServer(settings: { $0.requestTimeoutSeconds = 1 }) { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.response()?.status == 200)
            #expect(await connection.response()?.status == 408)
            #expect(await connection.closedByServer())
        }
    }

    @Test("/metrics serves the Prometheus text format")
    func metrics() async throws {
        try await withLiveServer { port, _ in
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await connection.response())
            #expect(response.status == 200)
            #expect(response.body.contains("# TYPE rill_resident_memory_bytes gauge"))
            #expect(response.body.contains("rill_uptime_seconds "))
        }
    }
}
