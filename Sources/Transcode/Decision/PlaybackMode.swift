/// How a file reaches the player, cheapest first.
public enum PlaybackMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// The original file as it is, over HTTP with ranges; no ffmpeg.
    case directPlay
    /// Video and audio copied unchanged into fMP4 HLS segments (a new container only; nearly free).
    case remux
    /// Video copied, audio transcoded to stereo AAC (AC-3, DTS, TrueHD... in a browser that lacks them).
    case audioTranscode
    /// Video transcoded to H.264 (hardware on the Pi when it works) and audio to AAC.
    case fullTranscode

    /// True when the mode needs an ffmpeg session.
    public var needsSession: Bool { self != .directPlay }
}
