import FoundationEssentials
import Hummingbird
import HTTPTypes
import NIOCore
import Torrent

/// `/api/v1/torrents`: add (magnet as JSON, or a .torrent file as the body), list, detail, pause, resume,
/// file priorities and remove (with or without data). Removing is for admins (`admin`); the rest for every user.
struct TorrentRoutes {
    let library: TorrentLibrary

    func register(on router: some RouterMethods<RillRequestContext>, admin: some RouterMethods<RillRequestContext>) {
        let torrents = router.group("api/v1/torrents")
        torrents.get { _, _ -> TorrentList in
            TorrentList(torrents: await library.list())
        }
        torrents.post { request, context -> EditedResponse<AddedTorrent> in
            let source = try await Self.source(of: request, context: context)
            let paused = request.uri.queryParameters["paused"] == "true"
            let stream = request.uri.queryParameters["stream"] == "true"
            let hash = try await Self.api { () async throws(LibraryError) in
                try await library.add(source, paused: paused, streamOnly: stream)
            }
            return EditedResponse(status: .created, response: AddedTorrent(infoHash: hash.hex))
        }
        torrents.get("events") { _, context -> Response in
            Self.progressEvents(library: library, encoder: context.responseEncoder)
        }
        torrents.get(":hash") { _, context -> TorrentDetail in
            guard let detail = await library.detail(try Self.hash(context)) else { throw APIError.notFound("no torrent with that info-hash") }
            return detail
        }
        torrents.post(":hash/pause") { _, context -> HTTPResponse.Status in
            let hash = try Self.hash(context)
            try await Self.api { () async throws(LibraryError) in try await library.pause(hash) }
            return .noContent
        }
        torrents.post(":hash/resume") { _, context -> HTTPResponse.Status in
            let hash = try Self.hash(context)
            try await Self.api { () async throws(LibraryError) in try await library.resume(hash) }
            return .noContent
        }
        torrents.put(":hash/files") { request, context -> HTTPResponse.Status in
            let body = try await request.decode(as: FilePriorities.self, context: context)
            let hash = try Self.hash(context)
            try await Self.api { () async throws(LibraryError) in try await library.setFilePriorities(body.priorities, of: hash) }
            return .noContent
        }
        admin.delete("api/v1/torrents/:hash") { request, context -> HTTPResponse.Status in
            let hash = try Self.hash(context)
            let deleteData = request.uri.queryParameters["delete_data"] == "true"
            try await Self.api { () async throws(LibraryError) in try await library.remove(hash, deleteData: deleteData) }
            return .noContent
        }
    }

    /// Server-sent events: the torrent list once a second (`event: torrents`) until the client goes away.
    /// Each client costs one snapshot a second; the HTTP connection limit bounds the clients.
    private static func progressEvents(library: TorrentLibrary, encoder: JSONEncoder) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            while !Task.isCancelled {
                let list = TorrentList(torrents: await library.list())
                let json = (try? encoder.encode(list)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                try await writer.write(ByteBuffer(string: "event: torrents\ndata: \(json)\n\n"))
                try await Task.sleep(for: .seconds(1))
            }
            try await writer.finish(nil)
        })
    }

    /// A magnet or a URL in a JSON body (`{"magnet": "..."}`, `{"url": "..."}`), or the .torrent file itself as the body
    /// (`Content-Type: application/x-bittorrent`).
    private static func source(of request: Request, context: RillRequestContext) async throws -> TorrentLibrary.Source {
        if request.headers[.contentType]?.hasPrefix("application/x-bittorrent") == true {
            let body = try await request.body.collect(upTo: Metainfo.defaultMaxSize)
            return .torrentFile(Array(body.readableBytesView))
        }
        let add = try await request.decode(as: AddTorrent.self, context: context)
        if let magnet = add.magnet { return .magnet(magnet) }
        if let url = add.url { return .url(url) }
        throw APIError.badRequest("send {\"magnet\": \"magnet:?...\"}, {\"url\": \"https://.../file.torrent\"} or a .torrent file as application/x-bittorrent")
    }

    private static func hash(_ context: RillRequestContext) throws -> InfoHash {
        guard let text = context.parameters.get("hash"), let hash = InfoHash(hex: text) else {
            throw APIError.badRequest("the info-hash must be 40 hex digits")
        }
        return hash
    }

    /// Runs a library call, turning its error into the API's error shape.
    private static func api<T>(_ body: () async throws(LibraryError) -> T) async throws(APIError) -> T {
        do {
            return try await body()
        } catch {
            switch error {
            case .invalid(let message): throw .badRequest(message)
            case .notFound: throw .notFound("no torrent with that info-hash")
            case .storage: throw .internalError
            }
        }
    }
}

struct TorrentList: ResponseEncodable {
    let torrents: [TorrentSnapshot]
}

struct AddedTorrent: ResponseEncodable {
    let infoHash: String
    enum CodingKeys: String, CodingKey { case infoHash = "info_hash" }
}

struct AddTorrent: Decodable {
    let magnet: String?
    /// A magnet or an `http`/`https` link to a `.torrent` file.
    let url: String?
}

struct FilePriorities: Decodable {
    let priorities: [PiecePriority]
}

extension TorrentDetail: ResponseEncodable {}
