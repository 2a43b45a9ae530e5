import Device
import Hummingbird
import HTTPTypes
import Netguard
import Stream
import Torrent

/// The dashboard (`/`), adding (`/add`), a transfer's detail and actions (`/t/{hash}…`), the library of finished
/// files (`/library`) and the player (`/play/{hash}/{index}`). Removing a transfer is for admins.
struct TorrentPages {
    let library: TorrentLibrary
    let pages: PageRoutes

    func register(on router: some RouterMethods<RillRequestContext>, admin: some RouterMethods<RillRequestContext>) {
        let library = library, pages = pages
        router.get("/") { _, context -> Response in
            HTML.response(await Self.dashboard(pages: pages, library: library, context: context))
        }
        router.get("add") { _, context -> Response in
            HTML.response(Self.addPage(pages.layout(context, "Add", .add), error: nil))
        }
        router.post("add") { request, context -> Response in
            var request = request
            let form = try await PageRoutes.form(&request, context)
            let source: TorrentLibrary.Source
            if let file = form.file("torrent") {
                source = .torrentFile(file.body)
            } else if let magnet = form["magnet"]?.trimmed, !magnet.isEmpty {
                source = .magnet(magnet)
            } else if let url = form["url"]?.trimmed, !url.isEmpty {
                source = .url(url)
            } else {
                return HTML.response(Self.addPage(pages.layout(context, "Add", .add), error: "Paste a magnet link, give a URL or choose a .torrent file."), status: .badRequest)
            }
            do throws(LibraryError) {
                let hash = try await library.add(source, paused: form["paused"] == "on", streamOnly: form["mode"] == "stream")
                return HTML.redirect("/t/\(hash.hex)")
            } catch {
                let message: String = switch error {
                case .invalid(let text): text
                case .notFound: "not found"
                case .storage: "the torrent could not be stored; the log has details"
                }
                return HTML.response(Self.addPage(pages.layout(context, "Add", .add), error: message), status: .badRequest)
            }
        }
        router.get("t/:hash") { _, context -> Response in
            let hash = try Self.hash(context)
            guard let detail = await library.detail(hash) else { throw APIError.notFound("no torrent with that info-hash") }
            let media = await pages.context.media?.summaries(hash) ?? [:]
            return HTML.response(Self.detailPage(pages.layout(context, detail.torrent.name, .dashboard), detail, media: media))
        }
        router.post("t/:hash/pause") { _, context -> Response in
            let hash = try Self.hash(context)
            try? await library.pause(hash)
            return HTML.redirect("/t/\(hash.hex)")
        }
        router.post("t/:hash/resume") { _, context -> Response in
            let hash = try Self.hash(context)
            try? await library.resume(hash)
            return HTML.redirect("/t/\(hash.hex)")
        }
        router.post("t/:hash/priorities") { request, context -> Response in
            var request = request
            let hash = try Self.hash(context)
            let form = try await PageRoutes.form(&request, context)
            guard let detail = await library.detail(hash) else { throw APIError.notFound("no torrent with that info-hash") }
            let priorities = detail.files.map { file in
                form["p\(file.index)"].flatMap(Int.init).flatMap { PiecePriority(rawValue: UInt8(clamping: $0)) } ?? file.priority
            }
            do throws(LibraryError) {
                try await library.setFilePriorities(priorities, of: hash)
            } catch {
                throw APIError.badRequest("the priorities were refused")
            }
            return HTML.redirect("/t/\(hash.hex)")
        }
        admin.post("t/:hash/remove") { request, context -> Response in
            var request = request
            let hash = try Self.hash(context)
            let form = try await PageRoutes.form(&request, context)
            try? await library.remove(hash, deleteData: form["delete_data"] == "on")
            return HTML.redirect("/")
        }
        router.get("library") { _, context -> Response in
            HTML.response(await Self.libraryPage(pages.layout(context, "Library", .library), library: library, media: pages.context.media))
        }
        router.get("play/:hash/:index") { _, context -> Response in
            let hash = try Self.hash(context)
            guard let index = context.parameters.get("index").flatMap(Int.init), let detail = await library.detail(hash),
                  let file = detail.files.first(where: { $0.index == index }) else {
                throw APIError.notFound("no such file")
            }
            let layout = pages.layout(context, Self.fileName(file.path), .library)
            if pages.context.media != nil { return HTML.response(PlayerPage.render(layout, detail: detail, file: file)) }
            return HTML.response(Self.playerPage(layout, detail: detail, file: file))
        }
    }

    static func hash(_ context: RillRequestContext) throws -> InfoHash {
        guard let text = context.parameters.get("hash"), let hash = InfoHash(hex: text) else {
            throw APIError.badRequest("the info-hash must be 40 hex digits")
        }
        return hash
    }

    static func fileName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }

    static func streamURL(_ hash: String, _ file: FileSnapshot) -> String {
        "/stream/\(hash)/\(file.index)/\(PercentEncoding.encode(fileName(file.path)))"
    }

    static func isPlayable(_ path: String) -> Bool {
        let type = MediaType.of(path)
        return type.hasPrefix("video/") || type.hasPrefix("audio/")
    }

    // MARK: Dashboard

    static func dashboard(pages: PageRoutes, library: TorrentLibrary, context: RillRequestContext) async -> String {
        let torrents = await library.list()
        // The headline, not the full status: that asks WireGuard (`wg show`, a process) and this page is hot.
        let vpn = await pages.context.vpn?.headline()
        let disk = SystemFacts.disk(at: pages.context.dataDirectory)
        var body = "<div class=\"row\"><h1 class=\"grow\">Dashboard</h1><span id=\"live\" class=\"live muted\" hidden></span></div>"

        var alerts: [(String, String)] = []
        if let vpn, !vpn.online { alerts.append(("bad", vpn.text)) }
        if let disk, disk.totalBytes > 0, disk.freeBytes < disk.totalBytes / 20 || disk.freeBytes < 1 << 30 {
            alerts.append(("warn", "The disk is nearly full: \(HTML.bytes(Int64(disk.freeBytes))) free"))
        }
        for (name, state) in pages.context.states.snapshot.sorted(by: { $0.key < $1.key }) where state.phase == .failed || state.phase == .degraded {
            if name == "vpn" { continue }
            alerts.append((state.phase == .failed ? "bad" : "warn", "\(name): \(state.detail ?? state.phase.rawValue)"))
        }
        for torrent in torrents where torrent.state == .failed {
            alerts.append(("bad", "\(torrent.name): \(torrent.error ?? "failed")"))
        }
        if !alerts.isEmpty {
            body += "<section aria-label=\"Alerts\">" + alerts.map { "<p class=\"banner \($0.0)\" role=\"alert\">\(HTML.escape($0.1))</p>" }.joined() + "</section>"
        }

        let down = torrents.reduce(Int64(0)) { $0 + $1.downloadRate }, up = torrents.reduce(Int64(0)) { $0 + $1.uploadRate }
        var cache = "—"
        if let streams = pages.context.streams {
            cache = "\(HTML.bytes(Int64(await streams.cache.usedBytes))) of \(HTML.bytes(Int64(streams.cache.budget))) RAM"
            if pages.context.diskCache != nil {
                // What DiskCache.usedBytes() sums, from the list already taken.
                let onDisk = torrents.filter(\.streamOnly).reduce(Int64(0)) { $0 + $1.verifiedPieceBytes }
                cache += ", \(HTML.bytes(onDisk)) on disk"
            }
        }
        body += """
            <div class="stats">\
            <div class="stat"><span class="muted">Download</span><b data-field="total-down">\(HTML.rate(down))</b></div>\
            <div class="stat"><span class="muted">Upload</span><b data-field="total-up">\(HTML.rate(up))</b></div>\
            <div class="stat"><span class="muted">VPN</span><b data-field="vpn">\(HTML.escape(vpn?.text ?? "not available"))</b></div>\
            <div class="stat"><span class="muted">Disk</span><b data-field="disk">\(disk.map { "\(HTML.bytes(Int64($0.freeBytes))) free of \(HTML.bytes(Int64($0.totalBytes)))" } ?? "—")</b></div>\
            <div class="stat"><span class="muted">Stream cache</span><b>\(cache)</b></div>\
            </div><h2>Transfers</h2>
            """
        if torrents.isEmpty {
            body += "<p class=\"card\">Nothing here yet. <a href=\"/add\">Add a torrent</a>.</p><ul id=\"torrents\" class=\"list\" data-template></ul>"
        } else {
            body += "<ul id=\"torrents\" class=\"list card\" data-template>"
            for torrent in torrents { body += transferRow(torrent) }
            body += "</ul>"
        }
        return pages.layout(context, "Dashboard", .dashboard).render(body)
    }

    static func percent(_ torrent: TorrentSnapshot) -> String {
        HTML.oneDecimal(torrent.progress * 100)
    }

    static func transferRow(_ torrent: TorrentSnapshot) -> String {
        let name = HTML.escape(torrent.name)
        return """
            <li data-hash="\(torrent.infoHash)"><div class="row"><a class="name grow" href="/t/\(torrent.infoHash)">\(name)</a>\
            <span data-field="state">\(torrent.state.rawValue.replacing("_", with: " "))</span></div>\
            <div class="bar" role="progressbar" aria-label="Progress of \(name)" aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(percent(torrent))">\
            <span style="width:\(percent(torrent))%"></span></div>\
            <div class="row muted"><span data-field="progress">\(percent(torrent)) %</span>\
            <span data-field="size">\(HTML.bytes(torrent.verifiedBytes)) of \(HTML.bytes(torrent.wantedBytes))</span>\
            <span>↓ <span data-field="down">\(HTML.rate(torrent.downloadRate))</span></span>\
            <span>↑ <span data-field="up">\(HTML.rate(torrent.uploadRate))</span></span>\
            <span><span data-field="peers">\(torrent.peers)</span> peers</span>\
            <span>ETA <span data-field="eta">\(HTML.eta(left: torrent.wantedBytes - torrent.verifiedBytes, rate: torrent.downloadRate))</span></span>\
            \(torrent.streamOnly ? "<span>stream only</span>" : "")</div></li>
            """
    }

    // MARK: Add

    static func addPage(_ layout: Layout, error: String?) -> String {
        var body = "<h1>Add a torrent</h1>"
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        body += """
            <form method="post" action="/add" enctype="multipart/form-data" class="card">\(HTML.csrfField(layout.identity))\
            <label for="magnet">Magnet link</label>\
            <textarea id="magnet" name="magnet" rows="3" placeholder="magnet:?xt=urn:btih:…" autocapitalize="none" spellcheck="false"></textarea>\
            <label for="url">or a link to a .torrent file</label>\
            <input id="url" name="url" type="url" inputmode="url" placeholder="https://…/file.torrent" autocapitalize="none">\
            <label for="torrent">or a .torrent file (at most 1 MiB)</label>\
            <input id="torrent" name="torrent" type="file" accept=".torrent,application/x-bittorrent">\
            <fieldset><legend>Keep it?</legend>\
            <label class="inline"><input type="radio" name="mode" value="keep" checked> Download and keep the whole torrent</label>\
            <label class="inline"><input type="radio" name="mode" value="stream"> Stream only (fetched while played, kept in the cache)</label>\
            </fieldset>\
            <label class="inline"><input type="checkbox" name="paused"> Add it paused</label>\
            <div class="actions"><button type="submit">Add</button></div></form>
            """
        return layout.render(body)
    }

    // MARK: Detail

    static let priorityNames: [(PiecePriority, String)] = [(.skip, "Skip"), (.low, "Low"), (.normal, "Normal"), (.high, "High")]

    /// `media`: the stored probe of each file, as one line (files that were played or probed).
    static func detailPage(_ layout: Layout, _ detail: TorrentDetail, media: [Int: String] = [:]) -> String {
        let torrent = detail.torrent
        let hash = torrent.infoHash
        let csrf = HTML.csrfField(layout.identity)
        var body = "<div data-hash=\"\(hash)\"><h1>\(HTML.escape(torrent.name))</h1>"
        if let error = torrent.error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        body += """
            <div class="card"><div class="row"><span>State: <b data-field="state">\(torrent.state.rawValue.replacing("_", with: " "))</b></span>\
            <span id="live" class="live muted" hidden></span></div>\
            <div class="bar" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(percent(torrent))">\
            <span style="width:\(percent(torrent))%"></span></div>\
            <div class="row muted"><span data-field="progress">\(percent(torrent)) %</span>\
            <span data-field="size">\(HTML.bytes(torrent.verifiedBytes)) of \(HTML.bytes(torrent.wantedBytes))</span>\
            <span>↓ <span data-field="down">\(HTML.rate(torrent.downloadRate))</span></span>\
            <span>↑ <span data-field="up">\(HTML.rate(torrent.uploadRate))</span></span>\
            <span><span data-field="peers">\(torrent.peers)</span> peers</span>\
            <span>ETA <span data-field="eta">\(HTML.eta(left: torrent.wantedBytes - torrent.verifiedBytes, rate: torrent.downloadRate))</span></span></div>\
            <div class="actions">\
            <form method="post" action="/t/\(hash)/pause" data-when="running"\(torrent.state == .paused ? " hidden" : "")>\(csrf)<button type="submit" class="secondary">Pause</button></form>\
            <form method="post" action="/t/\(hash)/resume" data-when="paused"\(torrent.state == .paused ? "" : " hidden")>\(csrf)<button type="submit">Resume</button></form>\
            </div>
            """
        if layout.identity?.isAdmin ?? true {
            body += """
                <form method="post" action="/t/\(hash)/remove" data-confirm="Remove this transfer?">\(csrf)\
                <label class="inline"><input type="checkbox" name="delete_data"> Also delete the downloaded files</label>\
                <button type="submit" class="danger">Remove</button></form>
                """
        }
        body += "</div></div><h2>Files</h2>"
        body += "<form method=\"post\" action=\"/t/\(hash)/priorities\" class=\"card\">\(csrf)<ul class=\"list\">"
        for file in detail.files.prefix(1000) {
            let name = HTML.escape(file.path)
            let done = file.length > 0 ? HTML.oneDecimal(Double(file.verifiedBytes) * 100 / Double(file.length)) : "100.0"
            var links = "<a class=\"button secondary\" href=\"\(streamURL(hash, file))\" download=\"\(HTML.escape(fileName(file.path)))\">Download<span class=\"skip\"> \(name)</span></a>"
            if isPlayable(file.path) {
                links = "<a class=\"button\" href=\"/play/\(hash)/\(file.index)\">Play<span class=\"skip\"> \(name)</span></a>" + links
            }
            links += "<a class=\"button secondary\" href=\"/links/\(hash)/\(file.index)\">Link for VLC/TV<span class=\"skip\"> \(name)</span></a>"
            var select = "<select id=\"p\(file.index)\" name=\"p\(file.index)\">"
            for (priority, label) in priorityNames {
                select += "<option value=\"\(priority.rawValue)\"\(priority == file.priority ? " selected" : "")>\(label)</option>"
            }
            select += "</select>"
            body += """
                <li><div class="name">\(name)</div><div class="row muted"><span>\(HTML.bytes(file.length))</span><span>\(done) % verified</span>\
                \(media[file.index].map { "<span data-field=\"media\">\(HTML.escape($0))</span>" } ?? "")</div>\
                <div class="row"><div class="actions">\(links)</div>\
                <div><label for="p\(file.index)">Priority of \(name)</label>\(select)</div></div></li>
                """
        }
        if detail.files.count > 1000 { body += "<li class=\"muted\">\(detail.files.count - 1000) more files are not shown.</li>" }
        body += "</ul><div class=\"actions\"><button type=\"submit\">Save priorities</button></div></form>"

        body += "<h2>Peers</h2><div class=\"card\">"
        if detail.peers.isEmpty { body += "<p class=\"muted\">No peers connected.</p>" }
        body += "<ul class=\"list\">"
        for peer in detail.peers.prefix(100) {
            body += """
                <li><div class="row"><span class="grow">\(HTML.escape(peer.address))</span><span class="muted">\(HTML.escape(peer.client ?? ""))</span></div>\
                <div class="row muted"><span>↓ \(HTML.rate(peer.downloadRate))</span><span>↑ \(HTML.rate(peer.uploadRate))</span>\
                <span>\(peer.isOutgoing ? "outgoing" : "incoming")</span></div></li>
                """
        }
        body += "</ul></div><h2>Trackers</h2><div class=\"card\"><ul class=\"list\">"
        for tracker in detail.trackers {
            body += """
                <li><div class="name">\(HTML.escape(tracker.url))</div><div class="row muted"><span>\(HTML.escape(tracker.state))</span>\
                \(tracker.message.map { "<span>\(HTML.escape($0))</span>" } ?? "")\
                \(tracker.seeders.map { "<span>\($0) seeders</span>" } ?? "")\(tracker.leechers.map { "<span>\($0) leechers</span>" } ?? "")</div></li>
                """
        }
        if detail.trackers.isEmpty { body += "<li class=\"muted\">No trackers (magnet without trackers, or peers only).</li>" }
        body += "</ul></div>"
        return layout.render(body)
    }

    // MARK: Library

    static func libraryPage(_ layout: Layout, library: TorrentLibrary, media service: MediaService? = nil) async -> String {
        var body = "<h1>Library</h1>"
        let finished = await library.list().filter { $0.wantedBytes > 0 && $0.verifiedBytes >= $0.wantedBytes && !$0.streamOnly }
        if finished.isEmpty { body += "<p class=\"card\">No finished downloads yet.</p>" }
        for torrent in finished.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            guard let hash = InfoHash(hex: torrent.infoHash), let detail = await library.detail(hash) else { continue }
            let media = await service?.summaries(hash) ?? [:]
            body += "<section class=\"card\"><h2><a href=\"/t/\(torrent.infoHash)\">\(HTML.escape(torrent.name))</a></h2><ul class=\"list\">"
            let files = detail.files.filter { $0.priority != .skip }.sorted { (isPlayable($0.path) ? 0 : 1, $0.path) < (isPlayable($1.path) ? 0 : 1, $1.path) }
            for file in files.prefix(200) {
                let name = HTML.escape(file.path)
                var links = "<a class=\"button secondary\" href=\"\(streamURL(torrent.infoHash, file))\" download=\"\(HTML.escape(fileName(file.path)))\">Download<span class=\"skip\"> \(name)</span></a>"
                if isPlayable(file.path) {
                    links = "<a class=\"button\" href=\"/play/\(torrent.infoHash)/\(file.index)\">Play<span class=\"skip\"> \(name)</span></a>" + links
                }
                let about = media[file.index].map { " · " + HTML.escape($0) } ?? ""
                body += "<li><div class=\"row\"><span class=\"grow\">\(name) <span class=\"muted\">\(HTML.bytes(file.length))\(about)</span></span><span class=\"actions\">\(links)</span></div></li>"
            }
            body += "</ul></section>"
        }
        return layout.render(body)
    }

    // MARK: Player

    static func playerPage(_ layout: Layout, detail: TorrentDetail, file: FileSnapshot) -> String {
        let hash = detail.torrent.infoHash
        let url = streamURL(hash, file)
        let type = MediaType.of(file.path)
        let body = """
            <h1>\(HTML.escape(fileName(file.path)))</h1>\
            <video controls preload="metadata" playsinline src="\(url)" data-type="\(HTML.escape(type))" aria-label="\(HTML.escape(fileName(file.path)))"></video>\
            <p id="play-note" class="banner warn" role="alert" hidden></p>\
            <p class="hint">Plays while it downloads. If this browser cannot decode it, download it or open the stream in a player:</p>\
            <p><code>\(HTML.escape(url))</code></p>\
            <div class="actions"><a class="button secondary" href="\(url)" download>Download</a><a class="button secondary" href="/t/\(hash)">Back to the transfer</a></div>
            """
        return layout.render(body)
    }
}
