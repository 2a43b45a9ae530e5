import Hummingbird
import HTTPTypes
import NIOCore
import Torrent

/// `/links/{hash}/{index}`: "Copy link for VLC/TV" — the signed stream link of one file (``StreamLinks``) in a text
/// field with a copy button, how long it works, and `/links/{hash}/{index}/playlist.m3u`, the same link as a
/// playlist download for players that open `.m3u` files. For every logged-in user; never cached.
struct StreamLinkPages {
    let library: TorrentLibrary
    let links: StreamLinks
    let pages: PageRoutes

    func register(on router: some RouterMethods<RillRequestContext>) {
        let (library, links, pages) = (library, links, pages)
        router.get("links/:hash/:index") { request, context -> Response in
            let (hash, file) = try await StreamLinkRoutes.file(context, library: library)
            let link = StreamLinkRoutes.link(hash: hash, file: file, links: links, authority: request.head.authority)
            return HTML.response(Self.page(pages.layout(context, "Link for VLC/TV"), hash: hash, file: file, link: link.url, hours: links.lifetimeSeconds / 3600))
        }
        router.get("links/:hash/:index/playlist.m3u") { request, context -> Response in
            let (hash, file) = try await StreamLinkRoutes.file(context, library: library)
            let link = StreamLinkRoutes.link(hash: hash, file: file, links: links, authority: request.head.authority)
            let name = TorrentPages.fileName(file.path)
            let title = String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
            let body = "#EXTM3U\n#EXTINF:-1,\(title)\n\(link.url)\n"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "audio/x-mpegurl; charset=utf-8", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"\(Self.asciiFileName(name)).m3u\"",
                    HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
    }

    /// A file name safe inside a quoted `Content-Disposition` parameter: ASCII letters, digits, `.-_` and spaces.
    static func asciiFileName(_ name: String) -> String {
        let kept = String(name.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_", " ": Character(scalar)
            default: "_"
            }
        }.prefix(100))
        return kept.isEmpty ? "stream" : kept
    }

    static func page(_ layout: Layout, hash: InfoHash, file: FileSnapshot, link: String, hours: Int64) -> String {
        let name = TorrentPages.fileName(file.path)
        let body = """
            <h1>Link for VLC/TV</h1>\
            <p>\(HTML.escape(name))</p>\
            <div class="card"><label for="stream-link">Stream link (works for \(hours) h, without a login)</label>\
            <input id="stream-link" type="url" readonly value="\(HTML.escape(link))">\
            <div class="actions"><button type="button" id="copy-link" hidden>Copy link</button>\
            <a class="button secondary" href="/links/\(hash.hex)/\(file.index)/playlist.m3u" download>Download .m3u playlist</a>\
            <a class="button secondary" href="/t/\(hash.hex)">Back to the transfer</a></div>\
            <p id="copy-note" class="hint" role="status"></p>\
            <p class="hint">Open it in VLC (Media → Open Network Stream), Kodi or a TV's player. Anyone with the link can watch this one file until it expires; changing a password ends every link.</p></div>
            """
        return layout.render(body)
    }
}
