import Torrent
import Transcode

/// `/play/{hash}/{index}` when the ffmpeg sidecar is there: the page reports what the browser can play to
/// `POST /api/v1/play` (``PlayerScript``), then plays the file directly, as native HLS, or through the built-in
/// MSE player; text subtitles become `<track>`s. Without JavaScript the download link still works.
enum PlayerPage {
    static func render(_ layout: Layout, detail: TorrentDetail, file: FileSnapshot) -> String {
        let hash = detail.torrent.infoHash
        let name = TorrentPages.fileName(file.path)
        let url = TorrentPages.streamURL(hash, file)
        let probeTypes = "[" + ClientAbilities.probeTypes.map { "\"" + $0.replacing("\"", with: "\\\"") + "\"" }.joined(separator: ",") + "]"
        let body = """
            <h1>\(HTML.escape(name))</h1>\
            <video controls playsinline preload="auto" data-file="\(hash)/\(file.index)" data-csrf="\(HTML.escape(layout.identity?.csrfToken ?? ""))" \
            data-probe="\(HTML.escape(probeTypes))" aria-label="\(HTML.escape(name))"></video>\
            <p id="play-note" class="banner warn" role="alert" hidden></p>\
            <p id="play-info" class="hint" aria-live="polite">Asking how this browser can play the file…</p>\
            <noscript><p class="hint">The player needs JavaScript; the download works without it.</p></noscript>\
            <p class="hint">Plays while it downloads; files this browser cannot decode are converted on the fly. Stream URL for a player such as VLC:</p>\
            <p><code>\(HTML.escape(url))</code></p>\
            <div class="actions"><a class="button secondary" href="\(url)" download>Download</a><a class="button secondary" href="/t/\(hash)">Back to the transfer</a></div>\
            <script src="/assets/player.js?v=\(Layout.assetVersion)" defer></script>
            """
        return layout.render(body)
    }
}
