import Hummingbird
import HTTPTypes
import Torrent
import Transcode

/// The player's routes (every logged-in user; the auth middleware already gates them):
///
/// - `POST /api/v1/play` (``PlayRequest``) → ``PlayResponse``: the probe, the decision and, unless the file plays
///   directly, a new HLS session (a busy machine answers 503 `busy` with `Retry-After`).
/// - `GET /transcode/{id}/index.m3u8`, `…/init.mp4`, `…/{N}.m4s`: the session's VOD playlist and fMP4 segments
///   (`Cache-Control: no-store`; a segment far from what ffmpeg writes restarts it there); `DELETE /transcode/{id}`.
///   Only the user who started a session reaches it (another user's is a 404).
/// - `GET /api/v1/files/{hash}/{index}/media` (the stored probe), `…/subtitles/{stream}.vtt`, `…/thumbnail.jpg`.
/// - `GET /api/v1/transcode`: the running sessions.
///
/// Transcode errors become the JSON error shape in ``JSONErrorMiddleware`` (see ``TranscodeHTTP``).
struct TranscodeRoutes {
    let media: MediaService

    func register(on router: some RouterMethods<RillRequestContext>) {
        let media = media
        router.post("api/v1/play") { request, context -> PlayResponse in
            let body = try await request.decode(as: PlayRequest.self, context: context)
            return try await Self.play(body, media: media, owner: Self.owner(context))
        }
        router.get("api/v1/transcode") { _, _ -> SessionList in
            SessionList(sessions: await media.sessions.active)
        }
        router.get("api/v1/files/:hash/:index/media") { _, context -> MediaBody in
            let file = try await media.resolve(try Self.hash(context), index: try Self.index(context))
            return MediaBody(media: try await media.mediaInfo(file), source: file.isLocal ? "file" : "stream")
        }
        router.get("api/v1/files/:hash/:index/subtitles/{stream}.vtt") { _, context -> Response in
            guard let stream = context.parameters.get("stream").flatMap(Int.init), stream >= 0 else {
                throw APIError.badRequest("the subtitle stream must be a number")
            }
            let file = try await media.resolve(try Self.hash(context), index: try Self.index(context))
            let info = try await media.mediaInfo(file)
            let vtt = try await SubtitleExtractor(settings: media.settings).webVTT(from: file.source, stream: stream, media: info)
            return Response(
                status: .ok, headers: [.contentType: "text/vtt; charset=utf-8", .cacheControl: "private, max-age=3600"],
                body: .init(byteBuffer: .init(bytes: vtt))
            )
        }
        router.get("api/v1/files/:hash/:index/thumbnail.jpg") { _, context -> Response in
            let hash = try Self.hash(context), index = try Self.index(context)
            let file = try await media.resolve(hash, index: index)
            let info = try await media.mediaInfo(file)
            let jpeg = try await media.thumbnails.thumbnail(for: file.source, key: "\(hash.hex)-\(index)", duration: info.duration)
            return try SegmentFileResponse.make(jpeg, type: "image/jpeg", cacheControl: "private, max-age=86400")
        }
        router.get("transcode/:id/index.m3u8") { _, context -> Response in
            let text = try await media.sessions.playlist(try Self.session(context, media: media))
            return Response(
                status: .ok, headers: [.contentType: ClientAbilities.hlsType, .cacheControl: "no-store"],
                body: .init(byteBuffer: .init(string: text))
            )
        }
        router.get("transcode/:id/init.mp4") { _, context -> Response in
            try SegmentFileResponse.make(try await media.sessions.initSegment(try Self.session(context, media: media)), type: "video/mp4")
        }
        router.get("transcode/:id/{n}.m4s") { _, context -> Response in
            guard let index = context.parameters.get("n").flatMap(Int.init) else {
                throw APIError.badRequest("the segment must be a number")
            }
            let segment = try await media.sessions.segment(try Self.session(context, media: media), index: index)
            return try SegmentFileResponse.make(segment, type: "video/mp4")
        }
        router.delete("transcode/:id") { _, context -> HTTPResponse.Status in
            await media.sessions.end(try Self.session(context, media: media))
            return .noContent
        }
    }

    static func play(_ body: PlayRequest, media: MediaService, owner: String) async throws -> PlayResponse {
        guard let hash = InfoHash(hex: body.infoHash) else { throw APIError.badRequest("info_hash must be 40 hex digits") }
        guard body.fileIndex >= 0 else { throw APIError.badRequest("file_index must not be negative") }
        if let start = body.startTime, !(start.isFinite && start >= 0) { throw APIError.badRequest("start_time must be a number of seconds ≥ 0") }
        if let player = body.playerId, player.utf8.count > 64 { throw APIError.badRequest("player_id is longer than 64 bytes") }
        // Only the strings the page was told to ask about count; anything else is ignored.
        var abilities = body.abilities
        abilities.playableTypes = abilities.playableTypes.intersection(ClientAbilities.probeTypes)

        let file = try await media.resolve(hash, index: body.fileIndex)
        let info = try await media.mediaInfo(file)
        let request = PlaybackDecision.Request(audioStream: body.audioStream, burnSubtitleStream: body.burnSubtitleStream)
        let decision = try PlaybackDecision.decide(
            media: info, client: abilities, request: request, forcedMode: media.settings.forcedMode,
            maxVideoHeight: media.settings.maxVideoHeight
        )
        let base = "/api/v1/files/\(hash.hex)/\(body.fileIndex)"
        var session: PlaySession?
        if decision.mode.needsSession {
            let start = body.startTime ?? 0
            let started = try await media.sessions.start(
                source: file.source, media: info, decision: decision, startTime: start,
                owner: owner + "/" + (body.playerId ?? "")
            )
            await media.recordOwner(started.id, owner: owner)
            session = PlaySession(
                id: started.id, playlistURL: "/transcode/\(started.id)/index.m3u8",
                mimeType: decision.hlsMIMEType(media: info), segmentSeconds: started.segmentSeconds,
                segmentCount: started.segmentCount,
                startSegment: min(max(0, Int(start / started.segmentSeconds)), max(0, started.segmentCount - 1)),
                encoder: started.encoder?.name, encoderReason: started.encoder?.reason
            )
        }
        let subtitles = info.subtitleStreams.filter(\.isTextSubtitle).prefix(32).map { stream in
            SubtitleTrack(
                stream: stream.index, language: stream.language,
                label: stream.title ?? stream.language ?? "Subtitles \(stream.index)",
                url: "\(base)/subtitles/\(stream.index).vtt", isDefault: stream.isDefault
            )
        }
        return PlayResponse(
            mode: decision.mode.apiName, reasons: decision.reasons, source: file.isLocal ? "file" : "stream",
            decision: decision, media: info, directURL: decision.mode.needsSession ? nil : file.streamPath,
            session: session, subtitles: Array(subtitles), thumbnailURL: "\(base)/thumbnail.jpg"
        )
    }

    static func hash(_ context: RillRequestContext) throws -> InfoHash {
        guard let text = context.parameters.get("hash"), let hash = InfoHash(hex: text) else {
            throw APIError.badRequest("the info-hash must be 40 hex digits")
        }
        return hash
    }

    static func index(_ context: RillRequestContext) throws -> Int {
        guard let index = context.parameters.get("index").flatMap(Int.init), index >= 0 else {
            throw APIError.badRequest("the file index must be a number")
        }
        return index
    }

    /// Who is asking, as sessions record their owner: `user N`, or `anonymous` before setup.
    static func owner(_ context: RillRequestContext) -> String {
        context.identity.map { "user \($0.userID)" } ?? "anonymous"
    }

    /// A session id as `TranscodeSessions` makes them (hex digits) of a session the requester started; another
    /// user's session is "not found", like one that does not exist.
    static func session(_ context: RillRequestContext, media: MediaService) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty, id.count <= 32, id.allSatisfy(\.isHexDigit),
              media.owns(id, owner: owner(context))
        else {
            throw APIError.notFound("no such transcode session")
        }
        return id
    }
}
