import Logging

/// A segment (or init segment) ready to send: valid until its session ends; open it promptly.
public struct SegmentFile: Sendable, Equatable {
    public let path: String
    public let size: Int
}

/// What the API shows about a running session.
public struct TranscodeSessionInfo: Sendable, Equatable, Codable {
    public let id: String
    public let source: String
    public let decision: PlaybackDecision
    /// The H.264 encoder, when video is transcoded.
    public let encoder: VideoEncoder?
    public let segmentCount: Int
    public let segmentSeconds: Double
    /// ffmpeg's process id while a run is active (for tests and diagnostics).
    public let processID: Int32?
    /// ffmpeg runs so far: 1 plus the seeks that restarted it.
    public let runs: Int
    /// Bytes of segments on disk.
    public let scratchBytes: Int
    public let directory: String
    /// Set when the session stopped ffmpeg itself (scratch limit) or gave up (ffmpeg failed repeatedly).
    public let note: String?
}

/// All transcode sessions: start, serve playlist and segments, seek by restarting ffmpeg, end.
///
/// Contract:
/// - At most `maxSessions` at once; one more is ``TranscodeError/busy(activeSessions:)``. A new session with the
///   same `owner` (a player page) replaces that owner's old one, so a reload is never busy.
/// - A session untouched for `idleTimeoutSeconds` ends: its ffmpeg gets SIGTERM (SIGKILL after 2 s) and its
///   directory is deleted. A reaper checks twice a second while sessions exist.
/// - A segment request waits at most `segmentWaitSeconds`. A segment ffmpeg will reach soon (within
///   `seekRestartGap` segments) is waited for; one behind the current run's start or further ahead restarts ffmpeg
///   there (a seek). Segments already written are served from disk without restarting.
/// - A session's scratch directory stays under `scratchLimitBytes`, checked twice a second (so it can be passed by
///   what ffmpeg writes in half a second): segments the player has passed go first; if that is not enough and
///   ffmpeg is ahead of the player, it is stopped until the player asks for a segment that is not on disk.
/// - After three failed runs in a row the session answers every request with the failure.
public actor TranscodeSessions {
    public let settings: TranscodeSettings
    private let logger: Logger
    private var sessions: [String: TranscodeSession] = [:]
    private var reaper: Task<Void, Never>?
    private var encoder: VideoEncoder?
    private var idGenerator = SystemRandomNumberGenerator()

    /// Deletes whatever sessions a previous process left in `workDirectory/sessions` (ffmpeg children of a killed
    /// daemon end on their own when the stream they read closes, or when their file ends).
    public init(settings: TranscodeSettings, logger: Logger = Logger(label: "rill.transcode")) {
        self.settings = settings
        self.logger = logger
        ScratchFiles.removeTree(settings.sessionsDirectory)
    }

    /// The H.264 encoder in use, detected once (see ``VideoEncoder/detect(settings:)``).
    public func videoEncoder() async -> VideoEncoder {
        if let encoder { return encoder }
        let detected = await VideoEncoder.detect(settings: settings)
        if encoder == nil {
            encoder = detected
            logger.info("transcode encoder", metadata: ["encoder": "\(detected.name)", "reason": "\(detected.reason)"])
        }
        return encoder ?? detected
    }

    /// Starts a session that plays `media` (probed from `source`) as `decision` says, from the grid segment that
    /// holds `startTime`. `owner` identifies the player (its earlier session is ended first).
    public func start(
        source: MediaSource, media: MediaInfo, decision: PlaybackDecision, startTime: Double = 0, owner: String? = nil
    ) async throws(TranscodeError) -> TranscodeSessionInfo {
        guard decision.mode.needsSession else {
            throw .invalidRequest("direct play needs no transcode session")
        }
        guard let duration = media.duration, duration > 0 else {
            throw .missingStream(source: source.location, detail: "unknown duration: cannot lay out a playlist")
        }
        if let owner {
            for session in sessions.values where session.owner == owner { await end(session.id, reason: "replaced") }
        }
        guard sessions.count < settings.maxSessions else { throw .busy(activeSessions: sessions.count) }

        let encoder: VideoEncoder? = decision.mode == .fullTranscode ? await videoEncoder() : nil
        // Awaiting the encoder may have let another start in.
        guard sessions.count < settings.maxSessions else { throw .busy(activeSessions: sessions.count) }

        let id = String(idGenerator.next(), radix: 16)
        let directory = settings.sessionsDirectory + "/" + id
        try ScratchFiles.makeDirectory(directory)
        let playlist = HLSPlaylist(duration: duration, segmentSeconds: settings.segmentSeconds)
        let arguments = TranscodeArguments(
            source: source, decision: decision, media: media,
            encoder: encoder ?? VideoEncoder(name: VideoEncoder.softwareName, hardware: false, reason: "unused"),
            settings: settings
        )
        let session = TranscodeSession(
            id: id, owner: owner, source: source, media: media, decision: decision, encoder: encoder,
            playlist: playlist, arguments: arguments, directory: directory
        )
        sessions[id] = session
        let first = min(max(0, Int(startTime / settings.segmentSeconds)), playlist.segmentCount - 1)
        session.playhead = playlist.start(of: first)
        do {
            try startRun(session, at: first)
        } catch {
            await end(id, reason: "failed to start")
            throw error
        }
        logger.info("transcode session started", metadata: [
            "session": "\(id)", "source": "\(source)", "mode": "\(decision.mode.rawValue)",
            "reasons": "\(decision.reasons.joined(separator: "; "))", "encoder": "\(encoder?.name ?? "-")",
        ])
        startReaper()
        return info(session)
    }

    /// The VOD playlist of a session.
    public func playlist(_ id: String) throws(TranscodeError) -> String {
        try session(id).playlist.text
    }

    /// The init segment, waiting (bounded) until ffmpeg has written it.
    public func initSegment(_ id: String) async throws(TranscodeError) -> SegmentFile {
        let deadline = ContinuousClock.now + .seconds(settings.segmentWaitSeconds)
        while true {
            let session = try session(id)
            session.lastAccess = .now
            session.refresh()
            if let path = session.initSegment, let size = ScratchFiles.size(path) {
                return SegmentFile(path: path, size: size)
            }
            if session.run?.isRunning != true {
                // Nothing is writing it: start where the player is.
                try checkFailure(session, index: -1)
                try startRun(session, at: Int(session.playhead / settings.segmentSeconds))
            }
            try await pause(until: deadline, session: id, index: -1)
        }
    }

    /// Segment `index` of the playlist, waiting (bounded) until it is written; restarts ffmpeg there when it is
    /// not on its way (a seek).
    public func segment(_ id: String, index: Int) async throws(TranscodeError) -> SegmentFile {
        let first = try session(id)
        guard index >= 0, index < first.playlist.segmentCount else {
            throw .noSuchSegment(session: id, index: index, detail: "the playlist has \(first.playlist.segmentCount)")
        }
        first.playhead = first.playlist.start(of: index)
        let deadline = ContinuousClock.now + .seconds(settings.segmentWaitSeconds)
        while true {
            let session = try session(id)
            session.lastAccess = .now
            session.refresh()
            let time = session.probeTime(of: index)
            if let found = session.index.segment(containing: time) { return SegmentFile(path: found.path, size: found.size) }
            if let run = session.run, !run.isRunning || run.wroteEverything {
                let finished = run.wroteEverything || run.process.exit?.succeeded == true
                if finished, time >= run.reached - SegmentIndex.sameStart {
                    // The run went to the end of the file without covering this slot: the file is shorter than
                    // its header said. The last segment is the best answer.
                    if let last = session.index.lastSegment(startingBefore: time) {
                        return SegmentFile(path: last.path, size: last.size)
                    }
                    throw .noSuchSegment(session: id, index: index, detail: "past the end of the media")
                }
                if run.process.exit?.succeeded == false { recordFailure(session, run) }
                try checkFailure(session, index: index)
                try startRun(session, at: index)
            } else if !reachable(session, time: time) {
                logger.debug("transcode seek", metadata: ["session": "\(id)", "segment": "\(index)"])
                try startRun(session, at: index)
            }
            try await pause(until: deadline, session: id, index: index)
        }
    }

    /// Ends a session: ffmpeg stopped, files deleted. Unknown ids are ignored.
    public func end(_ id: String) async {
        await end(id, reason: "ended by client")
    }

    /// Ends every session (daemon shutdown).
    public func endAll() async {
        for id in sessions.keys { await end(id, reason: "shutdown") }
        reaper?.cancel()
        reaper = nil
    }

    /// The running sessions.
    public var active: [TranscodeSessionInfo] { sessions.values.map(info) }

    // MARK: - Runs

    /// Whether the current run will reach `time` soon enough to wait for it: `time` lies in the segment it is
    /// writing or at most `seekRestartGap` segments after that one. A time it has already passed (its segment was
    /// deleted under the scratch limit) or that lies before its start needs a new run.
    private func reachable(_ session: TranscodeSession, time: Double) -> Bool {
        guard let run = session.run, run.isRunning else { return false }
        let ahead = Double(settings.seekRestartGap + 1) * settings.segmentSeconds
        return run.reached - SegmentIndex.sameStart <= time && time <= run.reached + ahead
    }

    /// Starts a new ffmpeg run at grid slot `slot`; the previous run (if any) is stopped by the caller or here.
    private func startRun(_ session: TranscodeSession, at slot: Int) throws(TranscodeError) {
        let previous = session.run
        session.runCount += 1
        let directory = session.directory + "/run-\(session.runCount)"
        try ScratchFiles.makeDirectory(directory)
        let arguments = session.arguments.arguments(startSegment: slot, runDirectory: directory)
        let command = ToolCommand(tool: settings.ffmpegPath, arguments: arguments, niceness: settings.niceness)
        let process = SupervisedProcess(command)
        session.run = SessionRun(number: session.runCount, startSegment: slot,
                                 startTime: session.playlist.start(of: slot), directory: directory, process: process)
        session.pausedReason = nil
        if let previous { retire(previous, of: session) }
    }

    /// Stops a replaced run in the background (the request that replaced it need not wait) and deletes what it
    /// left unfinished; ending the session waits for it.
    private func retire(_ run: SessionRun, of session: TranscodeSession) {
        let (process, directory) = (run.process, run.directory)
        session.retiring.append(Task.detached { await Self.stop(process, cleaning: directory) })
    }

    /// Stops a run's ffmpeg and deletes the segment it was writing (ffmpeg's `.tmp` files).
    private static func stop(_ process: SupervisedProcess, cleaning directory: String) async {
        await process.stop()
        for name in ScratchFiles.list(directory) where name.hasSuffix(".tmp") {
            ScratchFiles.remove(directory + "/" + name)
        }
    }

    private func recordFailure(_ session: TranscodeSession, _ run: SessionRun) {
        session.failures += 1
        let tail = run.process.stderrTail
        let message = tail.isEmpty ? (run.process.exit.map(\.description) ?? "no exit status") : tail
        logger.warning("transcode run failed", metadata: [
            "session": "\(session.id)", "exit": "\(run.process.exit.map(\.description) ?? "-")", "stderr": "\(message)",
        ])
        if session.failures >= TranscodeSession.maxFailures {
            session.failure = "ffmpeg failed \(session.failures) times: \(message)"
        }
        session.run = nil
    }

    private func checkFailure(_ session: TranscodeSession, index: Int) throws(TranscodeError) {
        if let failure = session.failure { throw .noSuchSegment(session: session.id, index: index, detail: failure) }
    }

    private func pause(until deadline: ContinuousClock.Instant, session: String, index: Int) async throws(TranscodeError) {
        guard ContinuousClock.now < deadline else {
            throw .segmentTimedOut(session: session, index: index, seconds: settings.segmentWaitSeconds)
        }
        do {
            try await Task.sleep(for: .milliseconds(50))
        } catch {
            throw .segmentTimedOut(session: session, index: index, seconds: 0)
        }
    }

    // MARK: - Housekeeping

    private func startReaper() {
        guard reaper == nil else { return }
        reaper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                guard let self, await self.tick() else { return }
            }
        }
    }

    /// One housekeeping pass; returns false (and forgets the reaper) when no session is left.
    private func tick() async -> Bool {
        let now = ContinuousClock.now
        for session in Array(sessions.values) {
            if now - session.lastAccess > .seconds(settings.idleTimeoutSeconds) {
                await end(session.id, reason: "idle")
                continue
            }
            session.refresh()
            if let run = session.run, !run.isRunning, run.process.exit?.succeeded == false, !run.wroteEverything {
                recordFailure(session, run)
            }
            await enforceScratchLimit(session)
        }
        if sessions.isEmpty {
            reaper = nil
            return false
        }
        return true
    }

    private func enforceScratchLimit(_ session: TranscodeSession) async {
        let limit = settings.scratchLimitBytes
        guard ScratchFiles.treeSize(session.directory) > limit else { return }
        let behind = session.playhead - settings.segmentSeconds
        let overshoot = ScratchFiles.treeSize(session.directory) - limit
        for segment in session.index.evict(endingBefore: behind, downTo: max(0, session.index.totalBytes - overshoot)) {
            ScratchFiles.remove(segment.path)
        }
        // Only a run that is ahead of the player is stopped: the one writing the segment the player waits for
        // goes on, even past the limit (a limit smaller than two segments would otherwise never let it finish).
        guard ScratchFiles.treeSize(session.directory) > limit, let run = session.run, run.isRunning,
              run.reached > session.playhead + settings.segmentSeconds
        else { return }
        session.run = nil
        session.pausedReason = "scratch limit of \(limit) bytes reached; ffmpeg stopped until the player catches up"
        logger.info("transcode paused at scratch limit", metadata: ["session": "\(session.id)"])
        await Self.stop(run.process, cleaning: run.directory)
    }

    private func end(_ id: String, reason: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        if let run = session.run { await run.process.stop() }
        session.run = nil
        for task in session.retiring { await task.value }
        ScratchFiles.removeTree(session.directory)
        logger.info("transcode session ended", metadata: ["session": "\(id)", "reason": "\(reason)"])
    }

    private func session(_ id: String) throws(TranscodeError) -> TranscodeSession {
        guard let session = sessions[id] else { throw .unknownSession(id) }
        return session
    }

    private func info(_ session: TranscodeSession) -> TranscodeSessionInfo {
        TranscodeSessionInfo(
            id: session.id, source: session.source.location, decision: session.decision, encoder: session.encoder,
            segmentCount: session.playlist.segmentCount, segmentSeconds: session.playlist.segmentSeconds,
            processID: session.run?.isRunning == true ? session.run?.process.processID : nil, runs: session.runCount,
            scratchBytes: session.index.totalBytes, directory: session.directory,
            note: session.failure ?? session.pausedReason
        )
    }
}
