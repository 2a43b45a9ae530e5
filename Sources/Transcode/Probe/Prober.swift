/// Runs ffprobe on a file or URL and returns what it found.
///
/// Contract: bounded in time (`probeTimeoutSeconds`, after which ffprobe is killed), in output
/// (`probeOutputLimitBytes` of JSON) and on stalled URLs (`readTimeoutSeconds`). A file that is missing, truncated
/// before its streams, garbage, or holds no audio or video is a ``TranscodeError``, never a hang or a crash.
public struct Prober: Sendable {
    public let settings: TranscodeSettings

    public init(settings: TranscodeSettings) {
        self.settings = settings
    }

    public func probe(_ source: MediaSource) async throws(TranscodeError) -> MediaInfo {
        let arguments = ["-v", "error", "-hide_banner", "-print_format", "json",
                         "-show_format", "-show_streams", "-show_chapters"]
            + source.inputOptions(readTimeoutSeconds: settings.readTimeoutSeconds) + [source.location]
        // ffprobe is quick and the player waits on it: no nice.
        let command = ToolCommand(tool: settings.ffprobePath, arguments: arguments, niceness: 0)
        let output = try await ToolRunner.run(
            command, toolName: "ffprobe", source: source.location,
            timeout: .seconds(settings.probeTimeoutSeconds), stdoutLimit: settings.probeOutputLimitBytes
        )
        guard output.exit.succeeded else {
            throw .unreadableMedia(source: source.location, status: output.exit.statusNumber, message: output.stderr)
        }
        let info = try FFprobeOutput.mediaInfo(from: output.stdout, source: source.location)
        // ffprobe reads text files as ANSI art ("tty") and still images as one-frame video: neither is playable media.
        guard info.formatName != "tty", !info.videoStreams.isEmpty || !info.audioStreams.isEmpty else {
            throw .unreadableMedia(source: source.location, status: 0,
                                   message: "no audio or video stream (format \(info.formatName))")
        }
        return info
    }
}
