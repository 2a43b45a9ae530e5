import Config
import Device
import TestSupport
import Testing
import Web

/// The system page's update panel on a live server with auth and a real update service over slot files: it shows the
/// service's slots, versions, roles and last result; the upload the page's script makes (the raw file as the body,
/// the session's `X-CSRF-Token`, a same-origin `Origin`) installs a bundle larger than `http.max_body_bytes`; without
/// the token it is refused; users do not get the page.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SystemPageTests {
    /// The request `UpdateScript` makes with `fetch`: body = the file, `X-CSRF-Token`, the page's origin.
    static func upload(_ body: [UInt8], port: Int, cookie: String, csrf: String?) async throws -> RawHTTPConnection.Response? {
        let connection = try RawHTTPConnection(port: port, timeoutSeconds: 30)
        return await offPool { () -> RawHTTPConnection.Response? in
            var head = "POST /api/v1/update HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://127.0.0.1:\(port)\r\n"
            head += "Sec-Fetch-Site: same-origin\r\nCookie: \(cookie)\r\nContent-Type: application/octet-stream\r\n"
            if let csrf { head += "X-CSRF-Token: \(csrf)\r\n" }
            head += "Content-Length: \(body.count)\r\n\r\n"
            guard connection.send(head) else { return nil }
            var offset = 0
            while offset < body.count {
                let end = min(offset + 65_536, body.count)
                if !connection.send(Array(body[offset..<end])) { break }
                offset = end
            }
            return connection.readResponse()
        }
    }

    @Test("the update panel shows the real slots and installs an uploaded bundle past the form body limit")
    func updatePanel() async throws {
        let lab = try WebUpdateLab()
        let update = lab.service()
        let bundle = try lab.bundle(version: "0.2.0", systemBytes: 1_500_000)
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory, update: update) { server in
            #expect(bundle.count > (try RillConfig.defaults.http.maxBodyBytes))
            _ = try await server.auth.accounts.createUser("root", password: "root-password", role: .admin)
            _ = try await server.auth.accounts.createUser("kid", password: "kid-password", role: .user)
            server.auth.setup.markDone()
            let admin = try #require(await server.login("root", "root-password"))

            let before = try #require(await server.request("GET", "/system", headers: ["Cookie": admin.cookie]))
            #expect(before.status == 200)
            #expect(!before.body.contains("not available"))
            #expect(before.body.contains("Slot A: \(update.status().runningVersion) — committed (last good) · booted now"))
            #expect(before.body.contains("Slot B: no version recorded — inactive"))
            #expect(before.body.contains("Last update: none yet."))
            #expect(before.body.contains("No update is running."))
            #expect(before.body.contains("id=\"update-form\" data-csrf=\"\(admin.csrf)\""))
            #expect(before.body.contains("bootloader state-file"))

            let kid = try #require(await server.login("kid", "kid-password"))
            #expect(await server.request("GET", "/system", headers: ["Cookie": kid.cookie])?.status == 403)
            // (Refusals come before the body is read: a short body keeps the test from filling socket buffers.)
            let head = Array(bundle.prefix(65_536))
            let userUpload = try #require(try await Self.upload(head, port: server.port, cookie: kid.cookie, csrf: kid.csrf))
            #expect(userUpload.status == 403)

            // Without the CSRF header the cookie alone is refused, before a byte reaches a slot.
            let forged = try #require(try await Self.upload(head, port: server.port, cookie: admin.cookie, csrf: nil))
            #expect(forged.status == 403 && forged.body.contains("csrf_failed"))
            #expect(update.status().state.versions[.b] == nil)

            let staged = try #require(try await Self.upload(bundle, port: server.port, cookie: admin.cookie, csrf: admin.csrf))
            #expect(staged.status == 200, "\(staged.body)")
            #expect(staged.body.contains("\"phase\":\"staged\""))

            let after = try #require(await server.request("GET", "/system", headers: ["Cookie": admin.cookie]))
            #expect(after.body.contains("Slot B: 0.2.0 — on trial, 3 tries left"), "\(after.body)")
            #expect(after.body.contains("Last update: 0.2.0 staged in slot B."))
            // The lab's service has no reboot method: the restart button stays hidden.
            #expect(after.body.contains("id=\"update-reboot\" class=\"secondary\" hidden>"))
            #expect(after.body.contains("Update staged (0.2.0): \(Self.bytesText(bundle.count)) of \(Self.bytesText(bundle.count))"))

            // The script the page runs sends the file itself with the token, and polls the status.
            let script = try #require(await server.request("GET", "/assets/app.js"))
            #expect(script.body.contains("body: file") && script.body.contains("\"X-CSRF-Token\": form.dataset.csrf"))
            #expect(script.body.contains("fetch(\"/api/v1/update\", { credentials: \"same-origin\""))
        }
    }

    @Test("without an update service the panel says so")
    func noService() async throws {
        let directory = try TemporaryDirectory()
        try await AuthServer.with(directory) { server in
            _ = try await server.auth.accounts.createUser("root", password: "root-password", role: .admin)
            server.auth.setup.markDone()
            let admin = try #require(await server.login("root", "root-password"))
            let page = try #require(await server.request("GET", "/system", headers: ["Cookie": admin.cookie]))
            #expect(page.body.contains("Updates are not part of this process."))
        }
    }

    /// `HTML.bytes` as the page prints it (1 decimal, binary units).
    static func bytesText(_ count: Int) -> String {
        var value = Double(count)
        var unit = 0
        let units = ["B", "KiB", "MiB", "GiB"]
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        let tenths = Int((value * 10).rounded())
        return unit == 0 ? "\(count) B" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
