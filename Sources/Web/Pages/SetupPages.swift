import Hummingbird
import HTTPTypes
import Netguard

/// `/setup`: the first-run wizard for a phone — admin password → VPN → storage → summary. Each step posts to
/// `/setup/<step>` and comes back to `/setup`, which shows the first step not done yet (or the one asked for with
/// `?step=`). After setup these routes answer 404.
struct SetupPages {
    let wizard: SetupWizard
    let pages: PageRoutes

    static let steps = [("admin", "Admin password"), ("vpn", "VPN"), ("storage", "Storage"), ("summary", "Summary")]

    func register(on router: some RouterMethods<RillRequestContext>) {
        let wizard = wizard, pages = pages
        router.get("setup") { request, context -> Response in
            guard !wizard.state.isDone else { throw APIError.notFound("setup is complete") }
            return HTML.response(await Self.page(wizard: wizard, pages: pages, context: context, step: request.uri.queryParameters["step"].map(String.init), error: nil))
        }
        router.post("setup/admin") { request, context -> Response in
            var request = request
            try SetupRoutes.guardStep(context, wizard)
            let form = try await PageRoutes.form(&request, context)
            guard form["password"] == form["repeat"] else {
                return await Self.failed(wizard, pages, context, "admin", "The two passwords differ.")
            }
            do {
                let session = try await SetupRoutes.step {
                    try await wizard.setAdmin(username: form["username"]?.trimmed ?? "admin", password: form["password"] ?? "")
                }
                return HTML.redirect("/setup", headers: [.setCookie: AuthMiddleware.sessionCookieHeader(session.id, maxAge: session.maxAgeSeconds)])
            } catch let error as APIError where error.status == .badRequest {
                return await Self.failed(wizard, pages, context, "admin", error.message)
            }
        }
        router.post("setup/vpn") { request, context -> Response in
            var request = request
            try SetupRoutes.guardStep(context, wizard)
            let form = try await PageRoutes.form(&request, context)
            if form["skip"] != nil {
                try await SetupRoutes.step { try await wizard.skipVPN(true) }
                return HTML.redirect("/setup")
            }
            guard let vpn = pages.context.vpn else { return await Self.failed(wizard, pages, context, "vpn", "There is no VPN service in this process.") }
            let bytes = form.file("file")?.body ?? Array((form["config"] ?? "").utf8)
            guard !bytes.isEmpty else { return await Self.failed(wizard, pages, context, "vpn", "Paste the WireGuard file, choose it, or skip this step.") }
            do throws(VPNConfigureError) {
                _ = try await vpn.configure(bytes)
            } catch {
                let message = switch error {
                case .invalid(let invalid): invalid.description
                case .storage(let why): "the file could not be stored: \(why)"
                }
                return await Self.failed(wizard, pages, context, "vpn", message)
            }
            try await SetupRoutes.step { try await wizard.skipVPN(false) }
            return HTML.redirect("/setup")
        }
        router.post("setup/storage") { request, context -> Response in
            var request = request
            try SetupRoutes.guardStep(context, wizard)
            let form = try await PageRoutes.form(&request, context)
            do {
                if let device = form["target"], device != "data" {
                    _ = try await SetupRoutes.step { try await wizard.useDevice(device, format: form["format"] == "on", confirm: form["confirm"]?.trimmed) }
                } else {
                    try await SetupRoutes.step { try await wizard.useDataDirectory() }
                }
                return HTML.redirect("/setup")
            } catch let error as APIError where error.status != .notFound {
                return await Self.failed(wizard, pages, context, "storage", error.message)
            }
        }
        router.post("setup/complete") { _, context -> Response in
            try SetupRoutes.guardStep(context, wizard)
            do {
                _ = try await SetupRoutes.step { try await wizard.complete() }
                return HTML.redirect("/")
            } catch let error as APIError where error.status == .conflict {
                return await Self.failed(wizard, pages, context, "summary", error.message)
            }
        }
    }

    static func failed(_ wizard: SetupWizard, _ pages: PageRoutes, _ context: RillRequestContext, _ step: String, _ message: String) async -> Response {
        HTML.response(await page(wizard: wizard, pages: pages, context: context, step: step, error: message), status: .badRequest)
    }

    static func page(wizard: SetupWizard, pages: PageRoutes, context: RillRequestContext, step requested: String?, error: String?) async -> String {
        var layout = pages.layout(context, "Set up Rill")
        layout.navigation = false
        let status = await wizard.status()
        let csrf = HTML.csrfField(context.identity)
        var body = "<div class=\"center\"><h1>Set up Rill</h1>"
        if status.steps.admin == "done", context.identity == nil {
            body += """
                <p class="card">An admin account exists already (made in an earlier step or from the SD card's rill.toml). \
                Log in as that admin to finish setting up.</p><div class="actions"><a class="button" href="/login?next=/setup">Log in</a></div></div>
                """
            return layout.render(body)
        }
        let firstOpen = status.steps.admin == "needed" ? "admin" : status.steps.vpn == "needed" ? "vpn" : status.steps.storage == "needed" ? "storage" : "summary"
        var step = requested.flatMap { name in steps.first { $0.0 == name }?.0 } ?? firstOpen
        if status.steps.admin == "needed" { step = "admin" }
        body += "<ol class=\"steps\">"
        for (key, label) in steps {
            body += key == step ? "<li aria-current=\"step\">\(label)</li>" : "<li><a href=\"/setup?step=\(key)\">\(label)</a></li>"
        }
        body += "</ol>"
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        switch step {
        case "admin":
            body += """
                <form method="post" action="/setup/admin" class="card">\(csrf)<h2>Admin password</h2>\
                <p class="hint">The admin changes settings, the VPN and users. Choose a password of at least 8 characters.</p>\
                <label for="username">Username</label><input id="username" name="username" value="admin" autocapitalize="none" required maxlength="32">\
                <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>\
                <label for="repeat">Password again</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="8" required>\
                <div class="actions"><button type="submit">Save and continue</button></div></form>
                """
        case "vpn":
            let current = status.steps.vpn == "configured" ? "<p class=\"banner good\">A VPN configuration is stored.</p>" : ""
            body += """
                <form method="post" action="/setup/vpn" enctype="multipart/form-data" class="card">\(csrf)<h2>VPN</h2>\(current)\
                <p class="hint">Downloads only ever go through this WireGuard tunnel. Your VPN provider gives you the file.</p>\
                <label for="file">WireGuard file</label><input id="file" name="file" type="file" accept=".conf,text/plain">\
                <label for="config">or paste it</label><textarea id="config" name="config" rows="8" spellcheck="false" autocapitalize="none"></textarea>\
                <div class="actions"><button type="submit">Check and save</button>\
                <button type="submit" name="skip" value="1" class="secondary" formnovalidate>Skip: no downloads until a VPN is set</button></div></form>
                """
        case "storage":
            let choices = await wizard.storageChoices()
            body += "<form method=\"post\" action=\"/setup/storage\" class=\"card\">\(csrf)<h2>Storage</h2><fieldset><legend>Where downloads go</legend>"
            body += "<label class=\"inline\"><input type=\"radio\" name=\"target\" value=\"data\" checked> The data partition (\(HTML.escape(choices.data.path))"
                + (choices.data.freeBytes.map { ", \(HTML.bytes(Int64($0))) free" } ?? "") + ")</label>"
            for device in choices.devices where !device.isSystem {
                body += "<label class=\"inline\"><input type=\"radio\" name=\"target\" value=\"\(HTML.escape(device.name))\"> USB disk \(HTML.escape(device.name))"
                    + " · \(HTML.bytes(device.sizeBytes))\(device.model.map { " · \(HTML.escape($0))" } ?? "")\(device.isMounted ? " · in use" : "")</label>"
            }
            body += """
                </fieldset><label class="inline"><input type="checkbox" name="format"> Format the disk (erases everything on it)</label>\
                <label for="confirm">To format, type the disk's name (for example sda)</label><input id="confirm" name="confirm" autocapitalize="none" autocomplete="off">\
                <div class="actions"><button type="submit">Use it</button></div></form>
                """
        default:
            func line(_ label: String, _ value: String) -> String { "<li><div class=\"row\"><b class=\"grow\">\(label)</b><span>\(HTML.escape(value))</span></div></li>" }
            body += "<div class=\"card\"><h2>Summary</h2><ul class=\"list\">"
            body += line("Admin", status.steps.admin) + line("VPN", status.steps.vpn) + line("Storage", status.steps.storage)
            body += "</ul>"
            if status.missing.isEmpty {
                body += "<form method=\"post\" action=\"/setup/complete\">\(csrf)<div class=\"actions\"><button type=\"submit\">Finish setup</button></div></form>"
            } else {
                body += "<p class=\"hint\">Still to do: \(status.missing.joined(separator: ", ")).</p>"
            }
            body += "</div>"
        }
        return layout.render(body + "</div>")
    }
}
