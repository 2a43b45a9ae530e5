import Device
import Hummingbird
import HTTPTypes

/// `/system` (admin): version, uptime, memory, disk, subsystems, the update slots and the bundle upload
/// (``UpdatePanel``), the log tail, reboot and factory reset (both with confirmation; refused off the appliance).
struct SystemPages {
    let pages: PageRoutes

    func register(on router: some RouterMethods<RillRequestContext>) {
        let pages = pages
        router.get("system") { _, context -> Response in
            HTML.response(Self.page(pages: pages, context: context, note: nil, error: nil))
        }
        router.post("system/reboot") { _, context -> Response in
            do throws(SystemActionError) {
                try await pages.context.system.reboot()
                return HTML.response(Self.page(pages: pages, context: context, note: "Rebooting. This page will answer again in about a minute.", error: nil))
            } catch {
                return HTML.response(Self.page(pages: pages, context: context, note: nil, error: error.description), status: .conflict)
            }
        }
        router.post("system/factory-reset") { request, context -> Response in
            var request = request
            let form = try await PageRoutes.form(&request, context)
            guard form["confirm"] == "RESET" else {
                return HTML.response(Self.page(pages: pages, context: context, note: nil, error: "Type RESET to confirm the factory reset."), status: .badRequest)
            }
            do throws(SystemActionError) {
                try await pages.context.system.factoryReset()
                return HTML.response(Self.page(pages: pages, context: context, note: "Erasing the data and rebooting. Set the device up again afterwards.", error: nil))
            } catch {
                return HTML.response(Self.page(pages: pages, context: context, note: nil, error: error.description), status: .conflict)
            }
        }
    }

    static func page(pages: PageRoutes, context: RillRequestContext, note: String?, error: String?) -> String {
        let web = pages.context
        let csrf = HTML.csrfField(context.identity)
        var body = "<h1>System</h1>"
        if let note { body += "<p class=\"banner good\" role=\"status\">\(HTML.escape(note))</p>" }
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        let uptime = Int(SystemFacts.monotonicSeconds() - web.startedAt)
        let disk = SystemFacts.disk(at: web.dataDirectory)
        body += """
            <div class="stats">\
            <div class="stat"><span class="muted">Version</span><b>\(HTML.escape(RillVersion.current))</b></div>\
            <div class="stat"><span class="muted">Running for</span><b>\(uptime / 3600) h \((uptime % 3600) / 60) min</b></div>\
            <div class="stat"><span class="muted">Memory</span><b>\(SystemFacts.residentMemoryBytes().map { HTML.bytes(Int64($0)) } ?? "—")</b></div>\
            <div class="stat"><span class="muted">Data disk</span><b>\(disk.map { "\(HTML.bytes(Int64($0.freeBytes))) free" } ?? "—")</b></div>\
            </div><h2>Subsystems</h2><ul class="list card">
            """
        for (name, state) in web.states.snapshot.sorted(by: { $0.key < $1.key }) {
            let mark = state.phase == .running ? "ok" : (state.phase == .failed || state.phase == .degraded ? "bad" : "muted")
            body += "<li><div class=\"row\"><b class=\"grow\">\(HTML.escape(name))</b><span class=\"\(mark)\">\(state.phase.rawValue)</span></div>"
                + (state.detail.map { "<div class=\"muted\">\(HTML.escape($0))</div>" } ?? "") + "</li>"
        }
        body += "</ul>" + UpdatePanel.html(web.update, csrfToken: context.identity?.csrfToken)
        body += "<h2>Log</h2>"
        if let logs = web.logs {
            let lines = logs.lines.suffix(200)
            body += lines.isEmpty ? "<p class=\"muted\">Nothing logged yet.</p>" : "<pre aria-label=\"The newest log lines\">\(HTML.escape(lines.joined(separator: "\n")))</pre>"
        } else {
            body += "<p class=\"muted\">The log is not kept in memory in this process.</p>"
        }
        let appliance = web.system.isAppliance
        body += "<h2>Power</h2><div class=\"card\">"
        if !appliance { body += "<p class=\"hint\">This is not the Rill appliance: reboot and factory reset will be refused.</p>" }
        body += """
            <form method="post" action="/system/reboot" data-confirm="Reboot Rill now? Downloads pause for about a minute.">\(csrf)\
            <button type="submit" class="secondary">Reboot</button></form>\
            <form method="post" action="/system/factory-reset" data-confirm="Erase every setting, user and download on the data partition?">\(csrf)\
            <label for="confirm-reset">Factory reset: type RESET to erase the data partition</label>\
            <input id="confirm-reset" name="confirm" autocomplete="off" autocapitalize="characters" required pattern="RESET">\
            <div class="actions"><button type="submit" class="danger">Factory reset</button></div></form></div>
            """
        return pages.layout(context, "System", .system).render(body)
    }
}
