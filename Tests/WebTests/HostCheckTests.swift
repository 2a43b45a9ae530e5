import Config
import HTTPTypes
import Hummingbird
import TestSupport
import Testing
import Web

/// The `Host` check against DNS rebinding: the device's own names, IP literals and localhost pass; anything else is
/// 421 `unknown_host` on every route, before setup and after.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostCheckTests {
    static let hosts = AllowedHosts(deviceHostname: "Wohnzimmer", extra: ["media.fritz.box"], systemHostname: "buildbox")

    @Test("the device's names, IP literals and localhost pass, with ports and a trailing dot")
    func accepted() {
        for host in [
            "127.0.0.1", "127.0.0.1:8080", "192.168.1.20:80", "[::1]", "[::1]:8080", "[fe80::1:2]", "localhost", "LOCALHOST:8080",
            "rill", "rill.local", "rill.local.", "RILL.LOCAL:80", "rill-3f9a.local", "rill-2.local", "rill-3f9a-2.local",
            "wohnzimmer", "wohnzimmer.local", "Wohnzimmer-AB12.local:80", "media.fritz.box", "media.fritz.box:8080", "buildbox",
        ] {
            #expect(Self.hosts.allows(host), "\(host)")
        }
        #expect(Self.hosts.allows(nil), "HTTP/1.0 without Host")
    }

    @Test("other names and garbage are refused; * switches the check off")
    func refused() {
        for host in [
            "evil.example", "evil.example:8080", "rill.local.evil.example", "evil.rill.local", "rill.evil", "rill-3f9g.local",
            "rill-12345.local", "rill-.local", "rill--2.local", "rill-3f9a-2-2.local", "rill-abcd-1234.local", "localhost.evil.example",
            "", " ", ":80", "127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:123456", "256.1.1.1", "1.2.3", "1.2.3.4.5", "2130706433",
            "[::1", "[zz::1]", "[::1]x", "[::1]:", "[fe80::1%eth0]", "a b", "rill.local:80:80", "rill/x", "rill\u{0}", "ríll.local",
            String(repeating: "a", count: 300), "media.fritz.box.evil", "fritz.box", "buildbox.evil",
        ] {
            #expect(!Self.hosts.allows(host), "\(host)")
        }
        #expect(AllowedHosts(extra: ["*"]).allows("anything.example"))
        var generator = SplitMix64(seed: 21)
        let alphabet = Array("abr il.-:[]0123456789%é\u{0}\r".unicodeScalars)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 40)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
            if Self.hosts.allows(text), !text.isEmpty {
                // Whatever passes is made only of host-name characters, with at most a numeric port.
                #expect(text.unicodeScalars.allSatisfy { "abril.-:[]0123456789".unicodeScalars.contains($0) }, "\(text)")
            }
        }
    }

    /// One request with exactly this `Host` (or none).
    static func request(_ port: Int, _ method: String, _ path: String, host: String?, headers: [String: String] = [:]) async -> Answer? {
        var head = "\(method) \(path) HTTP/1.1\r\n" + (host.map { "Host: \($0)\r\n" } ?? "") + "Connection: close\r\nContent-Length: 0\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = head + "\r\n"
        let isHead = method == "HEAD"
        return await offPool {
            guard let connection = try? RawHTTPConnection(port: port), connection.send(request) else { return nil }
            return isHead ? headResponse(connection) : connection.readResponse().map { Answer(status: $0.status, headers: $0.headers, body: $0.body) }
        }
    }

    @Test("a live server answers 421 to foreign Host names on every route, before and after setup")
    func live() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory, http: { $0.allowedHosts = ["media.home"] }) { server in
            // Before setup the API is open: exactly what a rebinding page would reach.
            let port = server.port
            #expect(await Self.request(port, "GET", "/api/v1/torrents", host: "127.0.0.1:\(port)")?.status == 200)
            #expect(await Self.request(port, "GET", "/api/v1/torrents", host: "rill.local")?.status == 200)
            #expect(await Self.request(port, "GET", "/api/v1/torrents", host: "media.home:\(port)")?.status == 200)
            for host in ["evil.example", "evil.example:\(port)", "rill.local.evil.example", "x"] {
                let response = await Self.request(port, "GET", "/api/v1/torrents", host: host)
                #expect(response?.status == 421, "\(host)")
                #expect(response?.body.contains("\"code\":\"unknown_host\"") == true)
            }
            #expect(await Self.request(port, "POST", "/api/v1/setup/admin", host: "evil.example")?.status == 421)
            #expect(await Self.request(port, "GET", "/setup", host: "evil.example", headers: ["Accept": "text/html"])?.status == 421)
            // Every route the router has.
            for route in server.router.routes {
                let path = AuthSecurityTests.concrete(route.path.description)
                let response = await Self.request(port, route.method.rawValue, path, host: "attacker.example")
                #expect(response?.status == 421, "\(route.method) \(route.path)")
            }
            _ = try await server.auth.accounts.createUser("root", password: "root-password", role: .admin)
            server.auth.setup.markDone()
            #expect(await Self.request(port, "GET", "/healthz", host: "evil.example")?.status == 421)
            #expect(await Self.request(port, "GET", "/healthz", host: "localhost:\(port)")?.status == 200)
            #expect(await Self.request(port, "GET", "/healthz", host: nil)?.status == 200)
            let login = await Self.request(port, "POST", "/api/v1/auth/login", host: "evil.example")
            #expect(login?.status == 421)
        }
    }
}

/// The status and headers of an answer to `HEAD` (its `Content-Length` announces a body that never comes).
func headResponse(_ connection: RawHTTPConnection) -> Answer? {
    guard let head = connection.readUntil(""), let status = head.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
    var headers: [String: String] = [:]
    for line in head.split(separator: "\r\n").dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
    }
    return Answer(status: status, headers: headers, body: "")
}

/// A response as the tests read it.
struct Answer: Sendable {
    let status: Int
    let headers: [String: String]
    let body: String
}
