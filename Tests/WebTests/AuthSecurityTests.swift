import Hummingbird
import Testing
import TestSupport
import Web

/// The security properties of issue 8 on a live server with every route the daemon mounts: routes enumerated
/// from the router itself, so a route added later is covered without touching this file (except the admin list,
/// which must then say whether the new route is for admins).
@Suite(.serialized, .timeLimit(.minutes(3))) struct AuthSecurityTests {
    /// `METHOD /path` of the routes only admins reach (placeholders as the router prints them).
    static let adminRoutes: Set<String> = [
        "DELETE /api/v1/torrents/{hash}", "PUT /api/v1/vpn", "POST /api/v1/vpn/test",
        "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/{id}",
        "GET /api/v1/users", "POST /api/v1/users", "PUT /api/v1/users/{id}", "DELETE /api/v1/users/{id}",
        "PUT /api/v1/settings",
        // Pages and their forms.
        "POST /t/{hash}/remove", "POST /settings", "POST /settings/vpn", "POST /settings/vpn/test",
        "GET /system", "POST /system/reboot", "POST /system/factory-reset",
        "GET /users", "POST /users", "POST /users/{id}/role", "POST /users/{id}/delete", "POST /tokens", "POST /tokens/{id}/revoke",
    ]

    /// The routes that answer without a login after setup.
    static let publicRoutes: Set<String> = [
        "GET /healthz", "GET /login", "POST /login", "POST /api/v1/auth/login",
        "GET /assets/app.css", "GET /assets/app.js", "GET /assets/icon.svg",
    ]

    /// A concrete path for a route pattern: captures get plausible values, wildcards a word.
    static func concrete(_ pattern: String) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { component -> String in
            switch component {
            case "{hash}": String(repeating: "ab", count: 20)
            case "{id}", "{index}": "1"
            case _ where component.hasPrefix("{"): "x"
            case _ where component.contains("*"): "x"
            default: String(component)
            }
        }.joined(separator: "/")
    }

    static func routes(_ server: AuthServer) -> [(method: String, pattern: String)] {
        server.router.routes.map { ($0.method.rawValue, $0.path.description) }
    }

    /// Makes an admin ("root") and a user ("kid") and finishes setup.
    static func prepare(_ server: AuthServer) async throws {
        _ = try await server.auth.accounts.createUser("root", password: "root-password", role: .admin)
        _ = try await server.auth.accounts.createUser("kid", password: "kid-password", role: .user)
        server.auth.setup.markDone()
    }

    @Test("after setup every route refuses a request without credentials, except the public ones")
    func everyRouteNeedsAuth() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let routes = Self.routes(server)
            // The enumeration is real: it sees the routes of every part.
            let listed = Set(routes.map { "\($0.method) \($0.pattern)" })
            for known in ["GET /api/v1/torrents", "PUT /api/v1/vpn", "POST /api/v1/auth/login", "GET /healthz", "GET /api/v1/status"] {
                #expect(listed.contains(known), "router lists \(known)")
            }
            #expect(routes.count >= 20)
            var answered: Set<String> = []
            for (method, pattern) in routes {
                let path = Self.concrete(pattern)
                let response = try #require(await server.request(method, path, body: method == "GET" ? "" : "{}"))
                if response.status != 401, !(response.status == 303 && response.headers["location"]?.hasPrefix("/login") == true) {
                    answered.insert("\(method) \(pattern)")
                }
                if AccessPolicy.isPublic(.init(method)!, path) {
                    #expect(response.status != 401 && response.status != 303, "\(method) \(pattern) is public")
                } else if AccessPolicy.isAPI(path) {
                    #expect(response.status == 401, "\(method) \(pattern) → \(response.status)")
                    // (A HEAD answer has no body to look into.)
                    #expect(method == "HEAD" || response.body.contains("\"code\":\"unauthorized\""), "\(method) \(pattern)")
                } else {
                    #expect(response.status == 303, "\(method) \(pattern) → \(response.status)")
                    #expect(response.headers["location"]?.hasPrefix("/login") == true, "\(method) \(pattern)")
                }
            }
            // Exactly these answer without a login (this list is the test's own, not the policy's).
            #expect(answered == Self.publicRoutes)
            // Unknown paths too, so nothing can be probed.
            #expect(await server.request("GET", "/api/v1/nothing-here")?.status == 401)
            // A wrong or revoked bearer token is refused, not treated as anonymous.
            #expect(await server.request("GET", "/healthz", headers: ["Authorization": "Bearer rill_nope"])?.status == 401)
        }
    }

    @Test("a user gets 403 on exactly the admin routes; an admin passes them")
    func roles() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let user = try #require(await server.login("kid", "kid-password"))
            var refused: Set<String> = []
            // (Logging out would end the session the loop uses.)
            for (method, pattern) in Self.routes(server) where !AccessPolicy.isPublic(.init(method)!, pattern) && !pattern.hasSuffix("logout") {
                let response = try #require(await server.request(
                    method, Self.concrete(pattern), headers: ["Cookie": user.cookie, "X-CSRF-Token": user.csrf],
                    body: method == "GET" ? "" : "{}"
                ))
                #expect(response.status != 401, "\(method) \(pattern): the session works")
                if response.status == 403 {
                    #expect(response.body.contains("\"code\":\"forbidden\""), "\(method) \(pattern)")
                    refused.insert("\(method) \(pattern)")
                }
            }
            #expect(refused == Self.adminRoutes)

            let admin = try #require(await server.login("root", "root-password"))
            let listing = await server.request("GET", "/api/v1/users", headers: ["Cookie": admin.cookie])
            #expect(listing?.status == 200 && listing?.body.contains("\"kid\"") == true)
            #expect(await server.request("GET", "/api/v1/tokens", headers: ["Cookie": user.cookie])?.status == 403)
        }
    }

    @Test("forged cross-site POSTs are refused: foreign Origin or Referer, Sec-Fetch-Site, missing or wrong token")
    func crossSite() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let admin = try #require(await server.login("root", "root-password"))
            let body = "{\"name\":\"script\"}"
            let forged: [([String: String], String)] = [
                (["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf, "Origin": "http://evil.example"], "cross_site"),
                (["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf, "Referer": "http://evil.example/page"], "cross_site"),
                (["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf, "Sec-Fetch-Site": "cross-site"], "cross_site"),
                (["Cookie": admin.cookie], "csrf_failed"),
                (["Cookie": admin.cookie, "X-CSRF-Token": "x" + admin.csrf.dropFirst()], "csrf_failed"),
                (["Cookie": admin.cookie, "Origin": "http://127.0.0.1:\(server.port)"], "csrf_failed"),
            ]
            for (headers, code) in forged {
                let response = await server.request("POST", "/api/v1/tokens", headers: headers, body: body)
                #expect(response?.status == 403, "\(headers.keys.sorted())")
                #expect(response?.body.contains("\"code\":\"\(code)\"") == true, "\(headers.keys.sorted())")
            }
            // An HTML form (what a cross-site page can post) without the _csrf field, and with a wrong one.
            for form in ["name=x", "name=x&_csrf=wrong"] {
                let response = await server.request("POST", "/api/v1/tokens", headers: ["Cookie": admin.cookie], body: form, type: "application/x-www-form-urlencoded")
                #expect(response?.status == 403)
            }
            #expect(await server.auth.accounts.tokenList.isEmpty)
            // The same request from our own page passes.
            let good = await server.request("POST", "/api/v1/tokens", headers: ["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf, "Origin": "http://127.0.0.1:\(server.port)"], body: body)
            #expect(good?.status == 201)
        }
    }

    @Test("the login limiter holds per address and answers 429 with Retry-After")
    func loginLimiter() async throws {
        let directory = try TemporaryDirectory()
        var settings = AuthSettings.testing
        settings.loginAttemptsPerAddress = 4
        try await AuthServer.with(directory, settings: settings) { server in
            try await Self.prepare(server)
            var statuses: [Int] = []
            for _ in 0..<7 {
                let response = await server.request("POST", "/api/v1/auth/login", body: "{\"username\":\"root\",\"password\":\"guess-guess\"}")
                statuses.append(response?.status ?? 0)
                if response?.status == 429 { #expect(Int(response?.headers["retry-after"] ?? "") ?? 0 >= 1) }
            }
            #expect(statuses.prefix(4).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.dropFirst(4).allSatisfy { $0 == 429 }, "\(statuses)")
            // Even the right password is refused while limited.
            #expect(await server.request("POST", "/api/v1/auth/login", body: "{\"username\":\"root\",\"password\":\"root-password\"}")?.status == 429)
        }
        // The table is bounded: more addresses than it holds forget the oldest.
        let limiter = LoginLimiter(perAddress: 2, global: 1_000_000, maxAddresses: 100, now: 0)
        for index in 0..<1000 { _ = limiter.allow("10.0.\(index / 256).\(index % 256)", now: 1) }
        #expect(limiter.trackedAddresses == 100)
        // The global bucket holds when addresses rotate.
        let global = LoginLimiter(perAddress: 10, global: 5, maxAddresses: 100, now: 0)
        let allowed = (0..<20).filter { global.allow("192.0.2.\($0)", now: 0).allowed }.count
        #expect(allowed == 5)
    }

    @Test("API tokens: shown once, work without CSRF, stop at once when revoked")
    func tokens() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let admin = try #require(await server.login("root", "root-password"))
            let created = try #require(await server.request("POST", "/api/v1/tokens", headers: ["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf], body: "{\"name\":\"sonarr\"}"))
            #expect(created.status == 201)
            let token = try #require(created.body.split(separator: "\"").first { $0.hasPrefix("rill_") }.map(String.init))
            let bearer = ["Authorization": "Bearer \(token)"]
            #expect(await server.request("GET", "/api/v1/torrents", headers: bearer)?.status == 200)
            // State-changing without a CSRF token: fine for a bearer token.
            let magnet = "{\"magnet\":\"magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=x\"}"
            #expect(await server.request("POST", "/api/v1/torrents?paused=true", headers: bearer, body: magnet)?.status == 201)
            let listing = try #require(await server.request("GET", "/api/v1/tokens", headers: bearer))
            #expect(listing.body.contains("\"sonarr\"") && !listing.body.contains(token))
            let id = try #require(await server.auth.accounts.tokenList.first?.id)
            #expect(await server.request("DELETE", "/api/v1/tokens/\(id)", headers: bearer)?.status == 204)
            #expect(await server.request("GET", "/api/v1/torrents", headers: bearer)?.status == 401)
        }
    }

    @Test("the sidecar token opens GET/HEAD /stream/ from loopback and nothing else; the player's routes need a login")
    func sidecarToken() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let (name, value) = server.sidecar.requestHeader
            let stream = "/stream/\(String(repeating: "ab", count: 20))/0/film.mkv"
            // Past the gate (this server has no stream routes, so 404), not a missing login (401).
            #expect(await server.request("GET", stream, headers: [name: value])?.status == 404)
            #expect(await server.request("GET", stream)?.status == 401)
            #expect(await server.request("GET", stream, headers: [name: value + "x"])?.status == 401)
            #expect(await server.request("GET", stream, headers: [name: ""])?.status == 401)
            for (method, path) in [("GET", "/api/v1/torrents"), ("GET", "/api/v1/transcode"), ("POST", "/api/v1/play"),
                                   ("GET", "/transcode/ab12/index.m3u8"), ("DELETE", "/transcode/ab12"), ("GET", "/settings")] {
                let status = await server.request(method, path, headers: [name: value], body: "{}")?.status
                #expect(status == 401 || status == 303, "\(method) \(path) with the sidecar token → \(status ?? 0)")
            }
            // A user plays: an unknown session is a 404 in the JSON shape, a bad play body a 400.
            let admin = try #require(await server.login("root", "root-password"))
            let cookie = ["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf]
            let missing = try #require(await server.request("GET", "/transcode/ab12/3.m4s", headers: cookie))
            #expect(missing.status == 404 && missing.body.contains("\"code\":\"not_found\""))
            #expect(await server.request("POST", "/api/v1/play", headers: cookie, body: "{\"info_hash\":\"zz\"}")?.status == 400)
            let play = "{\"info_hash\":\"\(String(repeating: "ab", count: 20))\",\"file_index\":0,\"abilities\":{\"playable_types\":[],\"media_source\":true}}"
            #expect(await server.request("POST", "/api/v1/play", headers: cookie, body: play)?.status == 404)
        }
    }

    @Test("sessions: logout ends them, they survive a restart (hashed at rest), they expire")
    func sessions() async throws {
        let directory = try TemporaryDirectory()
        var kept: (cookie: String, csrf: String)?
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let first = try #require(await server.login("root", "root-password"))
            let second = try #require(await server.login("root", "root-password"))
            #expect(await server.request("GET", "/api/v1/auth/me", headers: ["Cookie": first.cookie])?.body.contains("\"root\"") == true)
            let logout = await server.request("POST", "/api/v1/auth/logout", headers: ["Cookie": first.cookie, "X-CSRF-Token": first.csrf])
            #expect(logout?.status == 204 && logout?.headers["set-cookie"]?.contains("Max-Age=0") == true)
            #expect(await server.request("GET", "/api/v1/auth/me", headers: ["Cookie": first.cookie])?.status == 401)
            kept = second
        }
        // The database holds no session id in clear.
        let database = try String(decoding: directory.read(directory.path + "/data/rill.db"), as: UTF8.self)
            + String(decoding: (try? directory.read(directory.path + "/data/rill.db-wal")) ?? [], as: UTF8.self)
        let cookieValue = String(try #require(kept?.cookie.split(separator: "=", maxSplits: 1).last))
        #expect(!database.contains(cookieValue))
        try await AuthServer.with(directory) { server in
            server.auth.setup.markDone()
            let me = await server.request("GET", "/api/v1/auth/me", headers: ["Cookie": kept?.cookie ?? ""])
            #expect(me?.status == 200, "the session survived the restart")
        }
        var settings = AuthSettings.testing
        settings.sessionSeconds = 1
        try await AuthServer.with(directory, settings: settings) { server in
            server.auth.setup.markDone()
            let fresh = try #require(await server.login("root", "root-password"))
            try await Task.sleep(for: .milliseconds(2100))
            #expect(await server.request("GET", "/api/v1/auth/me", headers: ["Cookie": fresh.cookie])?.status == 401)
        }
    }

    @Test("before setup, with no admin, the API is open as it always was")
    func openBeforeSetup() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            #expect(await server.request("GET", "/api/v1/torrents")?.status == 200)
            #expect(await server.request("GET", "/api/v1/vpn")?.status == 200)
            // A foreign Origin is refused even now.
            #expect(await server.request("POST", "/api/v1/torrents", headers: ["Origin": "http://evil.example"], body: "{}")?.status == 403)
            // Once an admin exists the API needs a login, even before setup is done.
            _ = try await server.auth.accounts.createUser("root", password: "root-password", role: .admin)
            #expect(await server.request("GET", "/api/v1/torrents")?.status == 401)
        }
    }

    @Test("the last admin can be neither removed nor demoted; a removed user's session ends")
    func lastAdmin() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            try await Self.prepare(server)
            let admin = try #require(await server.login("root", "root-password"))
            let kid = try #require(await server.login("kid", "kid-password"))
            let headers = ["Cookie": admin.cookie, "X-CSRF-Token": admin.csrf]
            let users = await server.auth.accounts.userList
            let rootID = try #require(users.first { $0.username == "root" }?.id)
            let kidID = try #require(users.first { $0.username == "kid" }?.id)
            #expect(await server.request("DELETE", "/api/v1/users/\(rootID)", headers: headers)?.status == 409)
            #expect(await server.request("PUT", "/api/v1/users/\(rootID)", headers: headers, body: "{\"role\":\"user\"}")?.status == 409)
            #expect(await server.request("DELETE", "/api/v1/users/\(kidID)", headers: headers)?.status == 204)
            #expect(await server.request("GET", "/api/v1/auth/me", headers: ["Cookie": kid.cookie])?.status == 401)
        }
    }
}
