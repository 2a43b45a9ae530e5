/// Everything that can go wrong in the ffmpeg sidecar, each case saying what failed and where.
///
/// None of these crash the daemon: a broken or hostile file, a missing tool or a busy machine becomes one of these
/// and is answered to the client (the Web layer maps `busy` to 503, `unknownSession`/`noSuchSegment` to 404 and
/// the rest to 422 or 500).
public enum TranscodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The executable (ffmpeg or ffprobe) is not at `path` or cannot be started.
    case toolMissing(path: String, detail: String)
    /// A tool ran longer than its limit and was killed.
    case timedOut(tool: String, source: String, seconds: Double)
    /// A tool wrote more than its limit to stdout and was killed (a hostile file can make ffprobe print a lot).
    case outputTooLarge(tool: String, source: String, limit: Int)
    /// The tool exited unsuccessfully: the file is missing, unreadable, truncated or not media at all.
    case unreadableMedia(source: String, status: Int32, message: String)
    /// ffprobe answered, but not with the JSON shape it documents.
    case malformedProbeOutput(source: String, detail: String)
    /// The source is neither an absolute file path nor an http(s) URL.
    case invalidSource(String)
    /// The media has no stream the request needs (e.g. no video stream to transcode, subtitle index out of range).
    case missingStream(source: String, detail: String)
    /// The request makes no sense as asked (e.g. a session for a file that plays directly).
    case invalidRequest(String)
    /// Every session slot is taken (`TranscodeSettings.maxSessions`); try again when one ends.
    case busy(activeSessions: Int)
    /// No session has this id (it ended, was never started, or timed out while idle).
    case unknownSession(String)
    /// The segment index is outside the session's playlist, or the session's ffmpeg failed before writing it.
    case noSuchSegment(session: String, index: Int, detail: String)
    /// ffmpeg did not write the segment within `TranscodeSettings.segmentWaitSeconds`.
    case segmentTimedOut(session: String, index: Int, seconds: Double)
    /// The scratch or cache directory could not be created, written or cleaned.
    case fileSystem(path: String, detail: String)

    public var description: String {
        switch self {
        case .toolMissing(let path, let detail): "cannot run \(path): \(detail)"
        case .timedOut(let tool, let source, let seconds): "\(tool) on \(source) took longer than \(seconds) s and was killed"
        case .outputTooLarge(let tool, let source, let limit): "\(tool) on \(source) wrote more than \(limit) bytes"
        case .unreadableMedia(let source, let status, let message):
            "cannot read media \(source) (exit status \(status)): \(message.isEmpty ? "no message" : message)"
        case .malformedProbeOutput(let source, let detail): "ffprobe output for \(source) is malformed: \(detail)"
        case .invalidSource(let text): "not an absolute file path or http(s) URL: \(text)"
        case .missingStream(let source, let detail): "\(source): \(detail)"
        case .invalidRequest(let detail): "invalid request: \(detail)"
        case .busy(let active): "busy: \(active) transcode session(s) already running, the limit"
        case .unknownSession(let id): "no transcode session \(id)"
        case .noSuchSegment(let session, let index, let detail): "session \(session) has no segment \(index): \(detail)"
        case .segmentTimedOut(let session, let index, let seconds):
            "session \(session): segment \(index) not ready within \(seconds) s"
        case .fileSystem(let path, let detail): "\(path): \(detail)"
        }
    }
}
