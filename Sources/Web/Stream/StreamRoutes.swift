import HTTPTypes
import Hummingbird
import NIOCore
import Stream
import Torrent

/// `GET`/`HEAD /stream/{info_hash}/{file_index}/{name}`: any file of any torrent, playable while it downloads.
///
/// Contract: RFC 9110 ranges (single, open-ended, suffix) answered with 206 and `Content-Range`; no or an
/// ignored `Range` gives 200 with the whole file; an unsatisfiable one 416 with `Content-Range: bytes */N`.
/// `If-Range` with another ETag gives the whole file. Every answer carries `Accept-Ranges: bytes`, a strong
/// ETag (the content of a file of a torrent never changes: it is named by the info-hash) and the type from the
/// extension. `HEAD` answers at once, without waiting for any piece. `{name}` is only for players that look at
/// the URL's extension. A magnet's metadata is waited for (bounded). The body streams as pieces verify; when the
/// client goes away its reader ends and its deadlines go.
struct StreamRoutes {
    let streams: StreamService

    func register(on router: some RouterMethods<RillRequestContext>) {
        let streams = streams
        router.get("/stream/:hash/:index/:name") { request, context in
            try await Self.answer(request, context: context, streams: streams, withBody: true)
        }
        router.head("/stream/:hash/:index/:name") { request, context in
            try await Self.answer(request, context: context, streams: streams, withBody: false)
        }
    }

    private static func answer(
        _ request: Request, context: RillRequestContext, streams: StreamService, withBody: Bool
    ) async throws -> Response {
        guard let hashText = context.parameters.get("hash"), let infoHash = InfoHash(hex: hashText) else {
            throw APIError.badRequest("the info-hash must be 40 hex digits")
        }
        guard let indexText = context.parameters.get("index"), let index = Int(indexText), index >= 0 else {
            throw APIError.badRequest("the file index must be a number")
        }
        let file: StreamFile
        do {
            file = try await streams.file(infoHash, index: index)
        } catch let error as StreamError {
            switch error {
            case .noSuchTorrent, .noSuchFile: throw APIError.notFound(error.description)
            default: throw APIError.unavailable(error.description)
            }
        }
        let etag = "\"\(infoHash.hex)-\(index)\""
        var headers: HTTPFields = [.acceptRanges: "bytes", .eTag: etag, .contentType: MediaType.of(file.path)]
        var range = ByteRangeRequest(header: request.headers[.range], length: file.length)
        if let ifRange = request.headers[.ifRange], ifRange != etag { range = .whole }

        let status: HTTPResponse.Status
        let bytes: Range<Int64>
        switch range {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(file.length)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole:
            status = .ok
            bytes = 0..<file.length
        case .partial(let selected):
            status = .partialContent
            bytes = selected
            headers[.contentRange] = "bytes \(selected.lowerBound)-\(selected.upperBound - 1)/\(file.length)"
        }
        headers[.contentLength] = "\(bytes.count)"
        guard withBody, !bytes.isEmpty else { return Response(status: status, headers: headers) }
        let closed = context.channel.closeFuture
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: bytes.count) { writer in
            // A reader waiting for a piece writes nothing, so a client that left would go unnoticed until the
            // piece came: the connection's close ends the reader's wait at once instead.
            try await streams.stream(file, range: bytes, abandonedWhen: closed) { try await writer.write($0) }
            try await writer.finish(nil)
        })
    }
}
