/// What a browser said it can play, as the player page reports it.
///
/// The page asks `video.canPlayType(t)` (and `MediaSource.isTypeSupported(t)` when MSE exists) for every `t` in
/// ``probeTypes`` and sends back the ones answered "probably" or "maybe", with its screen size. Decisions only look
/// strings up in that set, so a browser that lies or answers oddly gets exactly what it claimed.
public struct ClientAbilities: Sendable, Equatable, Codable {
    /// The MIME strings (from ``probeTypes``) the browser can play.
    public var playableTypes: Set<String>
    /// The largest picture worth sending (the screen in device pixels); nil for no limit.
    public var maxWidth: Int?
    public var maxHeight: Int?
    /// True when the page has Media Source Extensions, so it can play HLS through its built-in player.
    public var mediaSource: Bool

    public init(playableTypes: some Sequence<String>, maxWidth: Int? = nil, maxHeight: Int? = nil,
                mediaSource: Bool = true) {
        self.playableTypes = Set(playableTypes)
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.mediaSource = mediaSource
    }

    /// The MIME type of HLS playlists; browsers with native HLS (Safari, iOS) answer for it.
    public static let hlsType = "application/vnd.apple.mpegurl"

    /// True when the browser plays HLS natively.
    public var nativeHLS: Bool { playableTypes.contains(Self.hlsType) }

    /// True when the browser can play Rill's HLS output at all (natively or through MSE).
    public var canPlayHLS: Bool { nativeHLS || mediaSource }

    /// Every string the player page should ask about: the containers alone, then each codec in each container.
    public static let probeTypes: [String] = {
        var types = [hlsType]
        for container in [Container.mp4, .webm, .matroska] {
            guard let base = CodecStrings.containerType(container) else { continue }
            types.append(base)
            for codecs in CodecStrings.videoCodecs + CodecStrings.audioCodecs {
                if let type = CodecStrings.type(container, codecs: codecs) { types.append(type) }
            }
        }
        return types
    }()

    /// True when the container itself is playable.
    func canPlay(container: Container) -> Bool {
        CodecStrings.containerType(container).map(playableTypes.contains) ?? false
    }

    /// True when `stream` (video or audio) is playable inside `container`.
    func canPlay(_ stream: MediaStream, in container: Container) -> Bool {
        let codecs: String? = switch stream.kind {
        case .video: CodecStrings.video(codec: stream.codec, profile: stream.profile, pixelFormat: stream.pixelFormat)
        case .audio: CodecStrings.audio(codec: stream.codec, profile: stream.profile)
        default: nil
        }
        guard let codecs, let type = CodecStrings.type(container, codecs: codecs) else { return false }
        return playableTypes.contains(type)
    }

    /// True when the picture fits the client's limits.
    func fits(width: Int?, height: Int?) -> Bool {
        if let maxWidth, let width, width > maxWidth { return false }
        if let maxHeight, let height, height > maxHeight { return false }
        return true
    }
}
