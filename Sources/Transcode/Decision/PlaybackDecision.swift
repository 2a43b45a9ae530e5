/// The choice of ``PlaybackMode`` for one file and one client, with the streams to play and the reasons, so the
/// UI can say why a file is transcoded ("audio ac3 not playable").
///
/// Pure: the same media, client and request always give the same decision.
public struct PlaybackDecision: Sendable, Equatable, Codable {
    public var mode: PlaybackMode
    /// ffprobe indexes of the chosen video and audio streams (nil when the file has none).
    public var videoStream: Int?
    public var audioStream: Int?
    /// An image subtitle stream to burn into the picture (forces ``PlaybackMode/fullTranscode``).
    public var burnSubtitleStream: Int?
    /// The height transcoded video is scaled to (nil: keep the source's).
    public var scaleToHeight: Int?
    /// Why this mode and not a cheaper one; empty for direct play.
    public var reasons: [String]

    /// What the viewer asked for beyond the defaults.
    public struct Request: Sendable, Equatable, Codable {
        /// An audio stream other than the default (e.g. another language).
        public var audioStream: Int?
        /// An image subtitle stream to burn in.
        public var burnSubtitleStream: Int?

        public init(audioStream: Int? = nil, burnSubtitleStream: Int? = nil) {
            self.audioStream = audioStream
            self.burnSubtitleStream = burnSubtitleStream
        }
    }

    /// Decides how `media` plays on `client`. `forcedMode` (a setting) wins over everything the client says;
    /// `maxVideoHeight` caps transcoded video.
    public static func decide(
        media: MediaInfo, client: ClientAbilities, request: Request = Request(),
        forcedMode: PlaybackMode? = nil, maxVideoHeight: Int = 1080
    ) throws(TranscodeError) -> PlaybackDecision {
        let video = media.primaryVideo
        let audio: MediaStream?
        if let wanted = request.audioStream {
            guard let stream = media.stream(wanted), stream.kind == .audio else {
                throw .missingStream(source: media.formatName, detail: "no audio stream \(wanted)")
            }
            audio = stream
        } else {
            audio = media.primaryAudio
        }
        if let burn = request.burnSubtitleStream {
            guard let stream = media.stream(burn), stream.kind == .subtitle else {
                throw .missingStream(source: media.formatName, detail: "no subtitle stream \(burn)")
            }
            guard video != nil else {
                throw .missingStream(source: media.formatName, detail: "no video to burn subtitles into")
            }
        }

        var reasons: [String] = []
        let mode: PlaybackMode
        if let forcedMode {
            mode = forcedMode
            reasons.append("forced by setting")
        } else {
            mode = choose(media: media, video: video, audio: audio, client: client, request: request,
                          reasons: &reasons)
        }
        return PlaybackDecision(
            mode: mode, videoStream: video?.index, audioStream: audio?.index,
            burnSubtitleStream: mode == .fullTranscode ? request.burnSubtitleStream : nil,
            scaleToHeight: mode == .fullTranscode ? scaledHeight(video, client: client, cap: maxVideoHeight) : nil,
            reasons: reasons
        )
    }

    private static func choose(
        media: MediaInfo, video: MediaStream?, audio: MediaStream?, client: ClientAbilities, request: Request,
        reasons: inout [String]
    ) -> PlaybackMode {
        let fits = client.fits(width: video?.width, height: video?.height)
        if !fits, let video {
            reasons.append("\(video.width ?? 0)x\(video.height ?? 0) is larger than the client's "
                           + "\(client.maxWidth.map(String.init) ?? "any")x\(client.maxHeight.map(String.init) ?? "any")")
        }
        if request.burnSubtitleStream != nil { reasons.append("burning in a subtitle stream") }
        let videoInHLS = video.map { client.canPlay($0, in: .mp4) } ?? true
        let audioInHLS = audio.map { client.canPlay($0, in: .mp4) } ?? true

        // Direct play: the container and both streams as they are; only the default audio track (browsers
        // cannot switch tracks in a file), nothing to burn in, small enough.
        let container = media.container
        let containerOK = client.canPlay(container: container)
        let videoDirect = video.map { client.canPlay($0, in: container) } ?? true
        let audioDirect = audio.map { client.canPlay($0, in: container) } ?? true
        let defaultAudio = request.audioStream == nil || request.audioStream == media.primaryAudio?.index
        if containerOK, videoDirect, audioDirect, defaultAudio, fits, request.burnSubtitleStream == nil {
            return .directPlay
        }
        if !containerOK { reasons.append("container \(media.formatName) not playable") }
        if !defaultAudio { reasons.append("audio stream \(request.audioStream ?? -1) is not the default") }
        if let video, !videoDirect { reasons.append("video \(describe(video)) not playable in \(container.rawValue)") }
        if let audio, !audioDirect { reasons.append("audio \(describe(audio)) not playable in \(container.rawValue)") }

        if !client.canPlayHLS { reasons.append("client reports neither native HLS nor MSE") }
        guard videoInHLS, fits, request.burnSubtitleStream == nil else {
            if let video, !videoInHLS { reasons.append("video \(describe(video)) not playable in HLS") }
            return video == nil ? .audioTranscode : .fullTranscode
        }
        if audioInHLS { return .remux }
        if let audio { reasons.append("audio \(describe(audio)) not playable in HLS") }
        return .audioTranscode
    }

    /// The output height of a transcode: the source's, capped by the client and the setting, even (H.264 4:2:0).
    static func scaledHeight(_ video: MediaStream?, client: ClientAbilities, cap: Int) -> Int? {
        guard let video, let height = video.height, let width = video.width, height > 0, width > 0 else { return nil }
        var target = min(height, cap)
        if let maxHeight = client.maxHeight { target = min(target, maxHeight) }
        if let maxWidth = client.maxWidth, width > maxWidth { target = min(target, maxWidth * height / width) }
        target -= target % 2
        return target < height && target >= 2 ? target : nil
    }

    private static func describe(_ stream: MediaStream) -> String {
        stream.profile.map { "\(stream.codec) \($0)" } ?? stream.codec
    }
}
