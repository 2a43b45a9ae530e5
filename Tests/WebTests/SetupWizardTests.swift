import Config
import Testing
import TestSupport
@testable import Web

#if canImport(Glibc)
import Glibc
#endif

/// The setup contract of issue 6 over HTTP, as scripts and the QEMU image test use it.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SetupWizardTests {
    static let wireGuard = """
        [Interface]
        PrivateKey = 6Lzcbyns/DRX1GDFow08n2/rQqDz7138uIyinTaWeWM=
        Address = 10.64.0.2/32
        DNS = 10.64.0.1

        [Peer]
        PublicKey = jsPrb3OSWC1veDWeTFJnYBZm1fMg9SfKUwGm55PMJQA=
        Endpoint = 127.0.0.1:51820
        AllowedIPs = 0.0.0.0/0
        """

    @Test("admin → VPN skip → storage → complete; then the wizard is gone and everything needs a login")
    func wizardOverHTTP() async throws {
        let directory = try TemporaryDirectory()
        try await SetupServer.with(directory) { server in
            let fresh = try #require(await server.request("GET", "/api/v1/setup"))
            #expect(fresh.body == #"{"state":"needed","steps":{"admin":"needed","storage":"needed","vpn":"needed"}}"#)
            // Pages go to the wizard; the JSON API is open while no admin exists.
            #expect(await server.request("GET", "/")?.headers["location"] == "/setup")
            #expect(await server.request("GET", "/setup")?.status == 200)
            #expect(await server.request("GET", "/api/v1/torrents")?.status == 200)
            #expect(await server.request("POST", "/api/v1/setup/complete")?.status == 409)

            let admin = try #require(await server.request("POST", "/api/v1/setup/admin", body: #"{"username":"admin","password":"first-password"}"#))
            #expect(admin.status == 200)
            let cookie = try #require(admin.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            let csrf = try #require(admin.body.split(separator: "\"").drop { $0 != "csrf_token" }.dropFirst(2).first.map(String.init))
            let auth = ["Cookie": cookie, "X-CSRF-Token": csrf]

            // Now that an admin exists, the rest of setup and the API need its session.
            #expect(await server.request("GET", "/api/v1/torrents")?.status == 401)
            #expect(await server.request("POST", "/api/v1/setup/admin", body: #"{"username":"admin","password":"hijacked-pass"}"#)?.status == 401)
            #expect(await server.request("GET", "/api/v1/setup")?.status == 200)
            #expect(await server.request("POST", "/api/v1/setup/vpn", headers: ["Cookie": cookie], body: #"{"skip":true}"#)?.status == 403)

            #expect(await server.request("POST", "/api/v1/setup/vpn", headers: auth, body: #"{"skip":true}"#)?.status == 204)
            let incomplete = await server.request("POST", "/api/v1/setup/complete", headers: auth)
            #expect(incomplete?.status == 409 && incomplete?.body.contains("storage") == true)
            let choices = try #require(await server.request("GET", "/api/v1/setup/storage", headers: auth))
            #expect(choices.status == 200 && choices.body.contains("\"data\":{"))
            #expect(await server.request("POST", "/api/v1/setup/storage", headers: auth, body: #"{"target":"device","device":"nope0","format":true,"confirm":"nope0"}"#)?.status == 400)
            #expect(await server.request("POST", "/api/v1/setup/storage", headers: auth, body: #"{"target":"data"}"#)?.status == 200)
            let done = try #require(await server.request("POST", "/api/v1/setup/complete", headers: auth))
            #expect(done.status == 200 && done.body.contains(#""state":"done""#))
            #expect(done.body.contains(#""vpn":"skipped""#))

            // Gone: 404 behind the login, 401 without it; the state itself needs auth too.
            for (method, path) in [("GET", "/setup"), ("POST", "/api/v1/setup/admin"), ("POST", "/api/v1/setup/complete"), ("GET", "/api/v1/setup/storage")] {
                #expect(await server.request(method, path, headers: auth, body: method == "POST" ? #"{"username":"x","password":"yyyyyyyy"}"# : "")?.status == 404, "\(method) \(path)")
                let anonymous = await server.request(method, path, body: method == "POST" ? "{}" : "")
                #expect(anonymous?.status == (AccessPolicy.isAPI(path) ? 401 : 303), "\(method) \(path)")
            }
            #expect(await server.request("GET", "/api/v1/setup")?.status == 401)
            #expect(await server.request("GET", "/api/v1/setup", headers: auth)?.body.contains(#""state":"done""#) == true)
            #expect(await server.request("GET", "/api/v1/torrents", headers: auth)?.status == 200)
        }
        // The flag is durable.
        try await SetupServer.with(directory) { server in
            #expect(server.auth.setup.isDone)
            #expect(await server.request("GET", "/api/v1/setup")?.status == 401)
        }
    }

    @Test("the VPN step through the existing PUT /api/v1/vpn: a bad file names its line, a good one counts as configured")
    func vpnStep() async throws {
        let directory = try TemporaryDirectory()
        try await SetupServer.with(directory) { server in
            let bad = try #require(await server.request("PUT", "/api/v1/vpn", body: Self.wireGuard.replacing("51820", with: "99999"), type: "text/plain"))
            #expect(bad.status == 400 && bad.body.contains("wireguard.conf:8"))
            // The engine's VPN manager is never started here, so storing is all PUT does.
            let good = try #require(await server.request("PUT", "/api/v1/vpn", body: Self.wireGuard, type: "text/plain"))
            #expect(good.status == 200)
            #expect(await server.request("GET", "/api/v1/setup")?.body.contains(#""vpn":"configured""#) == true)
            var info = stat()
            #expect(stat(directory.path + "/data/vpn/wireguard.conf", &info) == 0 && info.st_mode & 0o777 == 0o600)
        }
    }
}

/// ``AuthServer`` plus the wizard and the settings, as the daemon mounts them.
enum SetupServer {
    static func with(_ directory: TemporaryDirectory, _ body: (AuthServer) async throws -> Void) async throws {
        try await AuthServer.with(directory, withWizard: true, body)
    }
}
