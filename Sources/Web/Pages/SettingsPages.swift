import Config
import Hummingbird
import HTTPTypes
import Netguard

/// `/settings`: the settings of `SettingsService` as a form (admins change them, users see them), and the VPN:
/// its state, paste or upload a WireGuard file (`/settings/vpn`), test the tunnel (`/settings/vpn/test`).
struct SettingsPages {
    let pages: PageRoutes

    /// How the settings are grouped on the page.
    static let groups: [(String, [String])] = [
        ("Appearance", ["ui.theme"]),
        ("Speed limits", ["engine.download_rate_limit", "engine.upload_rate_limit"]),
        ("Seeding", ["engine.seed_ratio_limit_percent", "engine.seed_time_limit_minutes"]),
        ("Connections", ["engine.max_connections", "engine.max_peers_per_torrent"]),
        ("Storage and cache", ["engine.download_directory", "stream.ram_cache_bytes", "stream.disk_cache_max", "stream.disk_cache_target"]),
        ("Device", ["device.hostname", "device.leds", "device.led_brightness", "log.level"]),
    ]

    static let labels: [String: String] = [
        "ui.theme": "Theme", "engine.download_rate_limit": "Download limit (bytes/s, 0 = none)",
        "engine.upload_rate_limit": "Upload limit (bytes/s, 0 = none)",
        "engine.seed_ratio_limit_percent": "Stop seeding at ratio (percent, 0 = never)",
        "engine.seed_time_limit_minutes": "Stop seeding after (minutes, 0 = never)",
        "engine.max_connections": "Peer connections in all", "engine.max_peers_per_torrent": "Peers per torrent",
        "engine.download_directory": "Download folder", "stream.ram_cache_bytes": "RAM for streaming",
        "stream.disk_cache_max": "Stream cache on disk, at most", "stream.disk_cache_target": "Stream cache after clean-up",
        "device.hostname": "Host name", "device.leds": "Status LEDs", "device.led_brightness": "LED brightness",
        "log.level": "Log level",
    ]

    func register(on router: some RouterMethods<RillRequestContext>, admin: some RouterMethods<RillRequestContext>) {
        let pages = pages
        router.get("settings") { request, context -> Response in
            let query = request.uri.queryParameters
            var notes: [String] = []
            if query["saved"] != nil { notes.append("Saved.") }
            if let later = query["restart"], !later.isEmpty {
                let keys = later.split(separator: ",").map(String.init).filter { SettingsService.editableKeys.contains($0) }
                if !keys.isEmpty { notes.append("These apply after a restart: \(keys.joined(separator: ", ")).") }
            }
            if query["vpn"] == "saved" { notes.append("The VPN configuration was stored and applied.") }
            return HTML.response(await Self.page(pages: pages, context: context, notes: notes, error: nil))
        }
        admin.post("settings") { request, context -> Response in
            var request = request
            guard let service = pages.context.settings else { throw APIError.notFound("settings are not available") }
            let form = try await PageRoutes.form(&request, context)
            var changes: [String: String] = [:]
            for entry in await service.entries() where entry.setting.source != "environment" {
                if let value = form[entry.setting.key]?.trimmed, value != entry.setting.value { changes[entry.setting.key] = value }
            }
            guard !changes.isEmpty else { return HTML.redirect("/settings?saved=1") }
            do throws(SettingsError) {
                let result = try await service.update(changes)
                return HTML.redirect("/settings?saved=1&restart=" + PercentEncoding.encode(result.afterRestart.joined(separator: ",")))
            } catch {
                return HTML.response(await Self.page(pages: pages, context: context, notes: [], error: error.description), status: .badRequest)
            }
        }
        admin.post("settings/vpn") { request, context -> Response in
            var request = request
            guard let vpn = pages.context.vpn else { throw APIError.notFound("the VPN is not available") }
            let form = try await PageRoutes.form(&request, context)
            let bytes = form.file("file")?.body ?? Array((form["config"] ?? "").utf8)
            guard !bytes.isEmpty else {
                return HTML.response(await Self.page(pages: pages, context: context, notes: [], error: "Paste the WireGuard file or choose it."), status: .badRequest)
            }
            do throws(VPNConfigureError) {
                _ = try await vpn.configure(bytes)
                return HTML.redirect("/settings?vpn=saved#vpn")
            } catch {
                let message = switch error {
                case .invalid(let invalid): invalid.description
                case .storage(let why): "the file could not be stored: \(why)"
                }
                return HTML.response(await Self.page(pages: pages, context: context, notes: [], error: message), status: .badRequest)
            }
        }
        admin.post("settings/vpn/test") { _, context -> Response in
            guard let vpn = pages.context.vpn else { throw APIError.notFound("the VPN is not available") }
            let result = await vpn.test(within: .seconds(10))
            return HTML.response(await Self.page(pages: pages, context: context, notes: result.ok ? ["Tunnel test: \(result.message)"] : [], error: result.ok ? nil : "Tunnel test: \(result.message)"))
        }
    }

    static func page(pages: PageRoutes, context: RillRequestContext, notes: [String], error: String?) async -> String {
        let layout = pages.layout(context, "Settings", .settings)
        let canEdit = context.identity?.isAdmin ?? true
        let csrf = HTML.csrfField(context.identity)
        var body = "<h1>Settings</h1>"
        for note in notes { body += "<p class=\"banner good\" role=\"status\">\(HTML.escape(note))</p>" }
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        if !canEdit { body += "<p class=\"hint\">Only an admin can change settings.</p>" }
        if let service = pages.context.settings {
            let entries = Dictionary(await service.entries().map { ($0.setting.key, $0) }, uniquingKeysWith: { $1 })
            body += "<form method=\"post\" action=\"/settings\">\(csrf)"
            for (title, keys) in groups {
                let present = keys.compactMap { entries[$0] }
                guard !present.isEmpty else { continue }
                body += "<fieldset class=\"card\"\(canEdit ? "" : " disabled")><legend>\(title)</legend>"
                for entry in present { body += field(entry) }
                body += "</fieldset>"
            }
            if canEdit { body += "<div class=\"actions\"><button type=\"submit\">Save settings</button></div>" }
            body += "</form>"
        }
        if let vpn = pages.context.vpn {
            let status = await vpn.status()
            body += "<section id=\"vpn\" class=\"card\"><h2>VPN</h2><p><b>\(HTML.escape(status.message))</b></p>"
            if let reason = status.killSwitch?.reason { body += "<p class=\"muted\">\(HTML.escape(reason))</p>" }
            if let error = status.error { body += "<p class=\"error-text\">\(HTML.escape(error))</p>" }
            if let config = status.config {
                body += "<p class=\"muted\">Addresses \(HTML.escape(config.interface.addresses.map { "\($0)" }.joined(separator: ", "))) · "
                    + "\(config.peers.count) peer\(config.peers.count == 1 ? "" : "s")"
                    + (config.peers.first?.endpoint.map { " · endpoint \(HTML.escape("\($0)"))" } ?? "") + "</p>"
            }
            if canEdit {
                body += """
                    <form method="post" action="/settings/vpn" enctype="multipart/form-data">\(csrf)\
                    <label for="vpn-file">WireGuard file from your VPN provider</label>\
                    <input id="vpn-file" name="file" type="file" accept=".conf,text/plain">\
                    <label for="vpn-config">or paste it</label>\
                    <textarea id="vpn-config" name="config" rows="8" spellcheck="false" autocapitalize="none" placeholder="[Interface]&#10;PrivateKey = …"></textarea>\
                    <div class="actions"><button type="submit">Save and connect</button></div></form>\
                    <form method="post" action="/settings/vpn/test">\(csrf)<button type="submit" class="secondary">Test the tunnel</button></form>
                    """
            }
            body += "</section>"
        }
        return layout.render(body)
    }

    static func field(_ entry: SettingsService.Entry) -> String {
        let setting = entry.setting
        let id = "s-" + setting.key.replacing(".", with: "-")
        let label = labels[setting.key] ?? setting.key
        var html = "<label for=\"\(id)\">\(HTML.escape(label))</label>"
        let locked = setting.source == "environment"
        if setting.choices.isEmpty {
            html += "<input id=\"\(id)\" name=\"\(setting.key)\" value=\"\(HTML.escape(setting.value))\" autocapitalize=\"none\"\(locked ? " disabled" : "")>"
        } else {
            html += "<select id=\"\(id)\" name=\"\(setting.key)\"\(locked ? " disabled" : "")>"
            for choice in setting.choices {
                html += "<option value=\"\(HTML.escape(choice))\"\(choice == setting.value ? " selected" : "")>\(HTML.escape(choice))</option>"
            }
            html += "</select>"
        }
        var hint = HTML.escape(setting.accepts)
        hint += entry.live ? " · applies at once" : " · applies after a restart"
        if locked { hint += " · set by the environment" } else if setting.source == "settings" { hint += " · changed here" }
        return html + "<p class=\"hint\">\(hint)</p>"
    }
}
