import Hummingbird
import HTTPTypes
import Torrent

/// `GET /api/v1/torrents/{info_hash}/files/{file_index}/link`: a signed link to one file's stream for players that
/// cannot log in (``StreamLinks``): `{"url", "path", "expires_at", "m3u"}`. Every logged-in user may ask (users play);
/// the link opens only `GET`/`HEAD` of that file's `/stream/…` path until it expires or a password changes.
struct StreamLinkRoutes {
    let library: TorrentLibrary
    let links: StreamLinks

    func register(on router: some RouterMethods<RillRequestContext>) {
        let library = library
        let links = links
        router.get("api/v1/torrents/:hash/files/:index/link") { request, context -> StreamLinkBody in
            let (hash, file) = try await Self.file(context, library: library)
            let link = Self.link(hash: hash, file: file, links: links, authority: request.head.authority)
            return StreamLinkBody(url: link.url, path: link.path, expiresAt: link.expires, m3u: "/links/\(hash.hex)/\(file.index)/playlist.m3u")
        }
    }

    /// The torrent and file the route's `:hash` and `:index` name (400 malformed, 404 unknown).
    static func file(_ context: RillRequestContext, library: TorrentLibrary) async throws -> (InfoHash, FileSnapshot) {
        guard let text = context.parameters.get("hash"), let hash = InfoHash(hex: text) else {
            throw APIError.badRequest("the info-hash must be 40 hex digits")
        }
        guard let indexText = context.parameters.get("index"), let index = Int(indexText), index >= 0 else {
            throw APIError.badRequest("the file index must be a number")
        }
        guard let detail = await library.detail(hash) else { throw APIError.notFound("no torrent with that info-hash") }
        guard let file = detail.files.first(where: { $0.index == index }) else { throw APIError.notFound("the torrent has no file \(index)") }
        return (hash, file)
    }

    /// The signed link: the path with its `link` query, and the absolute URL on the host the request came to
    /// (already checked by ``HostCheckMiddleware``).
    static func link(hash: InfoHash, file: FileSnapshot, links: StreamLinks, authority: String?) -> (url: String, path: String, expires: Int64) {
        let name = String(file.path.split(separator: "/").last ?? Substring(file.path))
        let signed = links.token(infoHash: hash.hex, index: file.index)
        let path = "/stream/\(hash.hex)/\(file.index)/\(PercentEncoding.encode(name))?\(StreamLinks.queryName)=\(signed.token)"
        return ("http://\(authority ?? "rill.local")\(path)", path, signed.expires)
    }
}

/// The answer of the link route.
struct StreamLinkBody: ResponseEncodable {
    let url: String
    let path: String
    let expiresAt: Int64
    /// A playlist holding the link, for players that open `.m3u` files.
    let m3u: String
}
