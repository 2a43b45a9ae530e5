#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The state of one playback session: what is played how, its scratch directory, the current ffmpeg run and the
/// segments on disk. Confined to the ``TranscodeSessions`` actor, which does all the deciding.
final class TranscodeSession {
    let id: String
    let owner: String?
    let source: MediaSource
    let media: MediaInfo
    let decision: PlaybackDecision
    let encoder: VideoEncoder?
    let playlist: HLSPlaylist
    let arguments: TranscodeArguments
    let directory: String
    let created = ContinuousClock.now

    var run: SessionRun?
    var runCount = 0
    var index = SegmentIndex()
    /// The session's own copy of the init segment (identical for every run), once one run has written it.
    var initSegment: String?
    var lastAccess = ContinuousClock.now
    /// Where the player is: the start of the last segment it asked for.
    var playhead: Double = 0
    /// Runs in a row that failed; at ``maxFailures`` the session gives up with ``failure``.
    var failures = 0
    var failure: String?
    /// Why the last run was stopped by the session itself (scratch limit), for the status.
    var pausedReason: String?
    /// Replaced runs being stopped.
    var retiring: [Task<Void, Never>] = []

    static let maxFailures = 3

    init(id: String, owner: String?, source: MediaSource, media: MediaInfo, decision: PlaybackDecision,
         encoder: VideoEncoder?, playlist: HLSPlaylist, arguments: TranscodeArguments, directory: String) {
        self.id = id
        self.owner = owner
        self.source = source
        self.media = media
        self.decision = decision
        self.encoder = encoder
        self.playlist = playlist
        self.arguments = arguments
        self.directory = directory
    }

    /// The time on the file's timeline that answers grid slot `index`: its middle.
    func probeTime(of slot: Int) -> Double {
        playlist.start(of: slot) + max(0.001, playlist.length(of: slot) / 2)
    }

    /// Reads the current run's playlist and moves newly finished segments into the index. Cheap: ffmpeg's
    /// playlist is a few KiB and only new segments are opened (their first 64 KiB).
    func refresh() {
        guard let run else { return }
        guard let bytes = ScratchFiles.readHead(run.playlistPath, limit: 1 << 20) else { return }
        let listing = FFmpegPlaylist(text: String(decoding: bytes, as: UTF8.self))
        if run.timescales.isEmpty, !listing.entries.isEmpty,
           let head = ScratchFiles.readHead(run.initPath, limit: 1 << 16) {
            run.timescales = FragmentTime.timescales(initSegment: head)
            let copy = directory + "/init.mp4"
            if initSegment == nil, !head.isEmpty, Self.write(head, to: copy) { initSegment = copy }
        }
        for entry in listing.entries where !run.seen.contains(entry.name) {
            let path = run.directory + "/" + entry.name
            guard let size = ScratchFiles.size(path),
                  let head = ScratchFiles.readHead(path, limit: 1 << 16),
                  let tfdt = FragmentTime.start(segmentHead: head, timescales: run.timescales)
            else { continue }
            run.seen.insert(entry.name)
            let start = tfdt - TranscodeArguments.timelineOffset
            if let replaced = index.add(.init(path: path, start: start, end: start + entry.duration, size: size)) {
                ScratchFiles.remove(replaced)
            }
            run.reached = max(run.reached, start + entry.duration)
            failures = 0
        }
        if listing.ended { run.wroteEverything = true }
    }

    private static func write(_ bytes: [UInt8], to path: String) -> Bool {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "wb") else { return false }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}
