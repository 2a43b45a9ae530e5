/// One ffmpeg process of a session, from `startSegment` to the end of the file, writing into `directory`.
/// Confined to the ``TranscodeSessions`` actor.
final class SessionRun {
    let number: Int
    let startSegment: Int
    /// Where the run starts on the file's timeline.
    let startTime: Double
    let directory: String
    let process: SupervisedProcess
    /// Segment files already moved into the session's index.
    var seen: Set<String> = []
    /// Track timescales from this run's init segment, once it exists.
    var timescales: [UInt32: UInt32] = [:]
    /// ffmpeg has listed its last segment (`#EXT-X-ENDLIST`).
    var wroteEverything = false
    /// The end of the latest segment this run finished (its start time until it finishes one).
    var reached: Double

    init(number: Int, startSegment: Int, startTime: Double, directory: String, process: SupervisedProcess) {
        self.number = number
        self.startSegment = startSegment
        self.startTime = startTime
        self.directory = directory
        self.process = process
        reached = startTime
    }

    var isRunning: Bool { process.exit == nil }

    var playlistPath: String { directory + "/ffmpeg.m3u8" }
    var initPath: String { directory + "/init.mp4" }
}
