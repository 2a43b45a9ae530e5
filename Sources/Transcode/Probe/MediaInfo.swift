/// What ffprobe found in a file: the container, its length, every stream and the chapters.
///
/// A plain value (Codable) so the library can store it next to the torrent's file and the API can show it.
public struct MediaInfo: Sendable, Equatable, Codable {
    /// ffprobe's `format_name`, e.g. `matroska,webm` or `mov,mp4,m4a,3gp,3g2,mj2`.
    public var formatName: String
    /// The container family that decides direct play.
    public var container: Container
    /// Seconds, when the container says.
    public var duration: Double?
    /// Overall bits per second, when known.
    public var bitRate: Int?
    /// File size in bytes, when known.
    public var size: Int?
    public var streams: [MediaStream]
    public var chapters: [Chapter]

    public init(formatName: String, container: Container, duration: Double?, bitRate: Int?, size: Int?,
                streams: [MediaStream], chapters: [Chapter]) {
        self.formatName = formatName
        self.container = container
        self.duration = duration
        self.bitRate = bitRate
        self.size = size
        self.streams = streams
        self.chapters = chapters
    }

    public var videoStreams: [MediaStream] { streams.filter { $0.kind == .video && !$0.isAttachedPicture } }
    public var audioStreams: [MediaStream] { streams.filter { $0.kind == .audio } }
    public var subtitleStreams: [MediaStream] { streams.filter { $0.kind == .subtitle } }

    /// The video stream a player shows: the default one, else the first (cover art excluded).
    public var primaryVideo: MediaStream? { videoStreams.first(where: \.isDefault) ?? videoStreams.first }
    /// The audio stream a player plays: the default one, else the first.
    public var primaryAudio: MediaStream? { audioStreams.first(where: \.isDefault) ?? audioStreams.first }

    /// The stream with ffprobe index `index`.
    public func stream(_ index: Int) -> MediaStream? { streams.first { $0.index == index } }
}

/// Container families, as far as playback decisions care.
public enum Container: String, Sendable, Equatable, Codable {
    case mp4, matroska, webm, mpegts, avi, ogg, other
}

/// One stream of a file.
public struct MediaStream: Sendable, Equatable, Codable {
    /// ffprobe's stream index (the `0:N` in `-map 0:N`).
    public var index: Int
    public var kind: Kind
    /// ffprobe's `codec_name`: `h264`, `hevc`, `aac`, `ac3`, `subrip`, `hdmv_pgs_subtitle`, ...
    public var codec: String
    /// ffprobe's profile text: `High`, `Main 10`, `LC`, ...
    public var profile: String?
    public var width: Int?
    public var height: Int?
    /// `yuv420p`, `yuv420p10le`, ...
    public var pixelFormat: String?
    /// Frames per second (average), when known.
    public var frameRate: Double?
    public var bitRate: Int?
    public var channels: Int?
    public var sampleRate: Int?
    /// ISO 639 code from the stream's tags, e.g. `eng`.
    public var language: String?
    public var title: String?
    public var isDefault: Bool
    public var isForced: Bool
    /// Cover art stored as a video stream (MP3/MKV attachments); never played.
    public var isAttachedPicture: Bool

    public enum Kind: String, Sendable, Equatable, Codable {
        case video, audio, subtitle, attachment, data, other
    }

    public init(index: Int, kind: Kind, codec: String, profile: String? = nil, width: Int? = nil,
                height: Int? = nil, pixelFormat: String? = nil, frameRate: Double? = nil, bitRate: Int? = nil,
                channels: Int? = nil, sampleRate: Int? = nil, language: String? = nil, title: String? = nil,
                isDefault: Bool = false, isForced: Bool = false, isAttachedPicture: Bool = false) {
        self.index = index
        self.kind = kind
        self.codec = codec
        self.profile = profile
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.frameRate = frameRate
        self.bitRate = bitRate
        self.channels = channels
        self.sampleRate = sampleRate
        self.language = language
        self.title = title
        self.isDefault = isDefault
        self.isForced = isForced
        self.isAttachedPicture = isAttachedPicture
    }

    /// Subtitles drawn as pictures (DVD, Blu-ray, DVB); they can only be burned into the video.
    public var isImageSubtitle: Bool {
        kind == .subtitle && Self.imageSubtitleCodecs.contains(codec)
    }

    /// Subtitles stored as text; they convert to WebVTT.
    public var isTextSubtitle: Bool { kind == .subtitle && !isImageSubtitle }

    static let imageSubtitleCodecs: Set<String> = ["hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub",
                                                   "dvb_teletext"]
}

/// A chapter mark.
public struct Chapter: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var title: String?

    public init(start: Double, end: Double, title: String?) {
        self.start = start
        self.end = end
        self.title = title
    }
}
