import Hummingbird
import Transcode

/// `POST /api/v1/play`: which file, what the browser can play, and what the viewer chose.
struct PlayRequest: Decodable, Sendable {
    var infoHash: String
    var fileIndex: Int
    /// What the player page found with `canPlayType` / `MediaSource.isTypeSupported` and the screen size.
    var abilities: ClientAbilities
    var audioStream: Int?
    var burnSubtitleStream: Int?
    /// Seconds into the file to start at (a session starts on the grid segment holding it).
    var startTime: Double?
    /// The page's id for itself (kept across reloads): a new session from it replaces its old one.
    var playerId: String?
}

/// The answer: how the file plays, why, and where.
struct PlayResponse: ResponseEncodable {
    /// `direct_play`, `remux`, `audio_transcode` or `full_transcode`.
    let mode: String
    let reasons: [String]
    /// `file` when the tools read the downloaded file, `stream` when they read it through the stream URL.
    let source: String
    let decision: PlaybackDecision
    let media: MediaInfo
    /// For direct play: the stream URL.
    let directURL: String?
    /// For the other modes: the HLS session.
    let session: PlaySession?
    /// Text subtitle tracks as WebVTT.
    let subtitles: [SubtitleTrack]
    let thumbnailURL: String
}

struct PlaySession: Codable, Sendable {
    let id: String
    let playlistURL: String
    /// For an MSE player's `addSourceBuffer` (nil when a copied stream has no codec string).
    let mimeType: String?
    let segmentSeconds: Double
    let segmentCount: Int
    /// The first segment the session writes (the start time's).
    let startSegment: Int
    /// The H.264 encoder when video is transcoded (`h264_v4l2m2m` or `libx264`).
    let encoder: String?
    let encoderReason: String?
}

struct SubtitleTrack: Codable, Sendable {
    let stream: Int
    let language: String?
    let label: String
    let url: String
    let isDefault: Bool
}

/// `GET /api/v1/files/{hash}/{index}/media`: the stored (or fresh) probe.
struct MediaBody: ResponseEncodable {
    let media: MediaInfo
    let source: String
}

/// `GET /api/v1/transcode`: the running sessions.
struct SessionList: ResponseEncodable {
    let sessions: [TranscodeSessionInfo]
}

extension PlaybackMode {
    /// The mode as the API spells it: `direct_play`, `remux`, `audio_transcode`, `full_transcode`.
    var apiName: String {
        switch self {
        case .directPlay: "direct_play"
        case .remux: "remux"
        case .audioTranscode: "audio_transcode"
        case .fullTranscode: "full_transcode"
        }
    }

    /// The inverse of ``apiName`` (the configuration's `playback_mode` uses the same words).
    init?(apiName: String) {
        guard let mode = Self.allCases.first(where: { $0.apiName == apiName }) else { return nil }
        self = mode
    }
}
