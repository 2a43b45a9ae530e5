/// Converts text subtitles (SRT, ASS/SSA, mov_text, WebVTT; a track inside the file or a subtitle file of its own)
/// to WebVTT for the player's `<track>` element.
///
/// Contract: bounded in time (`subtitleTimeoutSeconds`; an embedded track means reading the whole file, which
/// through a torrent stream can take a while) and in size (`subtitleLimitBytes` of WebVTT). Image subtitles (PGS,
/// DVD, DVB) cannot become text: they are an ``TranscodeError/invalidRequest(_:)`` and are burned in by a
/// transcode session instead (``PlaybackDecision/Request/burnSubtitleStream``).
public struct SubtitleExtractor: Sendable {
    public let settings: TranscodeSettings

    public init(settings: TranscodeSettings) {
        self.settings = settings
    }

    /// The WebVTT text of subtitle stream `stream` (an ffprobe index) of `source`; nil takes the first subtitle
    /// stream, which is what a standalone `.srt`/`.ass` file has. `media`, when given, is checked first so an image
    /// or missing stream fails without running ffmpeg.
    public func webVTT(from source: MediaSource, stream: Int? = nil, media: MediaInfo? = nil)
        async throws(TranscodeError) -> [UInt8]
    {
        if let media {
            let chosen = stream.flatMap(media.stream) ?? (stream == nil ? media.subtitleStreams.first : nil)
            guard let chosen, chosen.kind == .subtitle else {
                throw .missingStream(source: source.location, detail: "no subtitle stream \(stream.map(String.init) ?? "")")
            }
            guard chosen.isTextSubtitle else {
                throw .invalidRequest("subtitle stream \(chosen.index) (\(chosen.codec)) is a picture; burn it in instead")
            }
        }
        let map = stream.map { "0:\($0)" } ?? "0:s:0"
        let arguments = ["-hide_banner", "-nostdin", "-v", "error"]
            + source.inputOptions(readTimeoutSeconds: settings.readTimeoutSeconds)
            + ["-i", source.location, "-map", map, "-c:s", "webvtt", "-f", "webvtt", "pipe:1"]
        let command = ToolCommand(tool: settings.ffmpegPath, arguments: arguments, niceness: settings.niceness)
        let output = try await ToolRunner.run(
            command, toolName: "ffmpeg", source: source.location,
            timeout: .seconds(settings.subtitleTimeoutSeconds), stdoutLimit: settings.subtitleLimitBytes
        )
        guard output.exit.succeeded, output.stdout.starts(with: Array("WEBVTT".utf8)) else {
            throw .unreadableMedia(source: source.location, status: output.exit.statusNumber,
                                   message: output.stderr.isEmpty ? "no WebVTT produced" : output.stderr)
        }
        return output.stdout
    }
}
