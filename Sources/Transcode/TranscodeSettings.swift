/// Every limit and choice of the ffmpeg sidecar in one value; the daemon fills it from `[transcode]` in the
/// configuration. The defaults suit a Raspberry Pi with 512 MiB to 1 GiB of RAM.
public struct TranscodeSettings: Sendable, Equatable {
    /// The ffmpeg and ffprobe executables (absolute paths).
    public var ffmpegPath: String
    public var ffprobePath: String
    /// Where sessions keep their segments (one subdirectory each) and the thumbnail cache lives
    /// (`thumbnails/`). Whatever a previous run left in `sessions/` is deleted when `TranscodeSessions` starts.
    public var workDirectory: String

    /// Transcode sessions at once; one more is answered with ``TranscodeError/busy(activeSessions:)``.
    public var maxSessions: Int
    /// Bytes of segments one session may keep on disk; past it, segments already played are deleted and then
    /// ffmpeg is stopped until the player catches up (it restarts at the next segment asked for).
    public var scratchLimitBytes: Int
    /// A session that no request touched for this long is ended: ffmpeg killed, its files deleted.
    public var idleTimeoutSeconds: Double
    /// Target length of one HLS segment; transcoded video gets a keyframe exactly at each boundary.
    public var segmentSeconds: Double
    /// How long a request for a segment waits for ffmpeg to write it.
    public var segmentWaitSeconds: Double
    /// A segment this many segments or fewer past what ffmpeg has written is waited for; further ahead, ffmpeg
    /// is restarted there (a seek).
    public var seekRestartGap: Int

    /// ffprobe's time limit and the most JSON it may print.
    public var probeTimeoutSeconds: Double
    public var probeOutputLimitBytes: Int
    /// How long ffmpeg/ffprobe wait on a stalled http source before failing (`-rw_timeout`).
    public var readTimeoutSeconds: Double

    /// The `nice` value ffmpeg runs at, so the engine and the web UI stay responsive (0 leaves it alone).
    public var niceness: Int
    /// Whether to try the hardware H.264 encoder (`h264_v4l2m2m`, the Pi's) before libx264.
    public var hardwareEncoding: Bool
    /// Transcoded video is scaled down to at most this height (and the client's own maximum).
    public var maxVideoHeight: Int
    /// Target video bitrate for the hardware encoder and cap (`-maxrate`) for libx264's constant quality.
    public var videoBitrate: Int
    /// libx264's speed preset.
    public var x264Preset: String
    /// libx264's tune, nil for none. `zerolatency` (no B-frames or lookahead, sliced threads) because memory is
    /// what a Pi lacks: 1080p HEVC → H.264 HLS peaked at 339 MiB RSS with the plain preset and 154 MiB with it,
    /// at the same speed, measured here; the cost is some quality per bit.
    public var x264Tune: String?
    /// AAC bitrate of transcoded audio (stereo).
    public var audioBitrate: Int
    /// When set, every playback uses this mode whatever the client says it can play.
    public var forcedMode: PlaybackMode?

    /// Subtitle extraction: time limit (it reads the whole file) and the most WebVTT bytes kept.
    public var subtitleTimeoutSeconds: Double
    public var subtitleLimitBytes: Int

    /// Thumbnails: width in pixels, and the cache's bounds (files and bytes); the least recently used go first.
    public var thumbnailWidth: Int
    public var thumbnailMaxCount: Int
    public var thumbnailMaxBytes: Int
    /// Time limit for making one thumbnail.
    public var thumbnailTimeoutSeconds: Double

    /// The defaults, with `workDirectory` set.
    public init(workDirectory: String) {
        ffmpegPath = "/usr/bin/ffmpeg"
        ffprobePath = "/usr/bin/ffprobe"
        self.workDirectory = workDirectory
        maxSessions = 1
        scratchLimitBytes = 256 << 20
        idleTimeoutSeconds = 60
        segmentSeconds = 4
        segmentWaitSeconds = 30
        seekRestartGap = 4
        probeTimeoutSeconds = 20
        probeOutputLimitBytes = 1 << 20
        readTimeoutSeconds = 30
        niceness = 10
        hardwareEncoding = true
        maxVideoHeight = 1080
        videoBitrate = 4_000_000
        x264Preset = "veryfast"
        x264Tune = "zerolatency"
        audioBitrate = 160_000
        forcedMode = nil
        subtitleTimeoutSeconds = 120
        subtitleLimitBytes = 8 << 20
        thumbnailWidth = 320
        thumbnailMaxCount = 2_000
        thumbnailMaxBytes = 64 << 20
        thumbnailTimeoutSeconds = 20
    }

    /// The directory of all sessions' scratch directories.
    var sessionsDirectory: String { workDirectory + "/sessions" }
    /// The thumbnail cache's directory.
    var thumbnailDirectory: String { workDirectory + "/thumbnails" }
}
