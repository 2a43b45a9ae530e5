import Logging
import NIOCore
import NIOPosix

/// One torrent's protocol state: its peers, picker, storage and progress. Lives on the engine's event loop
/// and is touched only there (no locks); disk work and hashing go to the disk pool and come back as futures.
///
/// The parts: this file holds the state and the life cycle; the peer, download, upload, metadata and resume
/// extensions hold one concern each.
final class TorrentSession {
    let infoHash: InfoHash
    let directory: SessionDirectory
    let savePath: String
    let stateDirectory: String?
    var configuration: EngineConfiguration { directory.configuration }
    var loop: any EventLoop { directory.loop }
    var logger: Logger

    var info: TorrentInfo?
    var storage: PieceStorage?
    var picker: PiecePicker?
    var announceTiers: [[String]]
    var displayName: String?
    var filePriorities: [PiecePriority]?

    var state: TorrentState = .checking
    var stateBeforePause: TorrentState = .downloading
    /// When the torrent last became complete (for the seeding-time limit).
    var seedingSince: NIODeadline?
    var errorMessage: String?
    var peers: [PeerKey: PeerConnection] = [:]
    var knownPeers = Set<PeerAddress>()
    var connecting = Set<PeerAddress>()
    /// Addresses we will not dial again (banned, or refused us recently), with when they may be retried.
    var blocked: [PeerAddress: NIODeadline] = [:]
    /// `blocked` as it was when the engine went offline: restored when it comes back, so the dials and
    /// connections the outage broke do not keep their peers blocked.
    var blockedBeforeOffline: [PeerAddress: NIODeadline]?
    /// Peers that sent data failing the hash check, by listen address.
    var banned = Set<PeerAddress>()

    // Disk pipeline.
    var pendingWrites: [Int: Int] = [:]
    var pendingWriteBytes = 0
    var readingPaused = false
    var awaitingWrites = Set<Int>()
    var hashFailures = 0

    // Rate limits of this torrent (0 = none), and whether a wake-up for throttled transfers is pending.
    var downloadLimit = TokenBucket(rate: 0)
    var uploadLimit = TokenBucket(rate: 0)
    var throttleWakeScheduled = false

    // Totals.
    var download = RateMeter()
    var upload = RateMeter()
    var lastTick: NIODeadline = .now()
    var ticks = 0
    var optimisticPeer: PeerKey?

    // Metadata (BEP 9) for magnets.
    var metadata: MetadataAssembler?

    // Resume.
    var resumeDirty = false
    var lastResumeWrite: NIODeadline = .now()
    var resumeWriteInFlight = false
    /// Callers of a write asked for while another was running.
    var resumeWaiters: [() -> Void] = []

    // Streaming (see TorrentSession+Stream).
    /// Fetched only where read: every piece `skip` unless a reader gives it a deadline; never "complete" until
    /// every piece is here, and its pieces may be evicted.
    var streamOnly = false
    /// Readers waiting for a piece to be verified, by piece, each with an id so a cancelled wait can leave.
    var pieceWaiters: [Int: [(id: Int, promise: EventLoopPromise<Void>)]] = [:]
    var nextWaiterID = 0
    /// Reads of verified data in flight, by piece: such a piece is not evicted under them.
    var pieceReads: [Int: Int] = [:]
    /// Pieces being evicted: already gone from the resume data, holes being punched; neither read nor uploaded.
    var evicting = Set<Int>()

    var announcer: TrackerAnnouncer?
    let announceProgress = AnnounceProgressBox()

    /// Called on the loop once every wanted piece is verified (with `nil`) or the torrent failed (with why).
    var completionHandlers: [(String?) -> Void] = []
    var isStopped = false
    var tickTask: Scheduled<Void>?

    init(infoHash: InfoHash, directory: SessionDirectory, savePath: String, stateDirectory: String?,
         announceTiers: [[String]], displayName: String?) {
        self.infoHash = infoHash
        self.directory = directory
        self.savePath = savePath
        self.stateDirectory = stateDirectory
        self.announceTiers = announceTiers
        self.displayName = displayName
        var logger = directory.logger
        logger[metadataKey: "torrent"] = "\(infoHash.hex.prefix(8))"
        self.logger = logger
    }

    var name: String { info?.name ?? displayName ?? infoHash.hex }

    /// Requests in flight to a new peer before its rate is known.
    static let initialDepth = 32

    var acceptsIncoming: Bool {
        !isStopped && state != .paused && state != .failed && peers.count < configuration.maxPeersPerTorrent
            && directory.hasConnectionRoom
    }

    // MARK: - Life cycle

    /// Starts the torrent: checks data already on disk (when the metadata is known), then goes looking for peers.
    func start(paused: Bool = false) {
        scheduleTick()
        if paused {
            stateBeforePause = info == nil ? .fetchingMetadata : .checking
            state = .paused
        } else if let info {
            check(info)
        } else {
            state = .fetchingMetadata
            metadata = nil
            connectMore()
            startAnnouncing()
        }
    }

    /// Gives the session its `info` dictionary (from the .torrent, or assembled over BEP 9) and builds the
    /// storage and the picker.
    func attach(_ info: TorrentInfo) {
        self.info = info
        let layout = FileLayout(info: info)
        storage = PieceStorage(layout: layout, root: savePath, maxOpenFiles: configuration.maxOpenFilesPerTorrent)
        var picker = PiecePicker(pieceCount: info.pieceCount, pieceLength: info.pieceLength, totalLength: info.totalLength)
        picker.allowsEndGame = !streamOnly
        if streamOnly, filePriorities == nil {
            picker.setPriorities(Array(repeating: .skip, count: info.pieceCount))
        } else if let filePriorities { picker.setPriorities(Self.piecePriorities(filePriorities, layout: layout, pieceCount: info.pieceCount)) }
        self.picker = picker
        for peer in peers.values { adoptEarlyAvailability(of: peer) }
    }

    /// Stops everything: peers closed, resume data written, files closed. `whenDone` runs after the write.
    func stop(whenDone: @escaping () -> Void) {
        guard !isStopped else { return whenDone() }
        isStopped = true
        tickTask?.cancel()
        failPieceWaiters(.stopped)
        for peer in peers.values { peer.close(reason: "torrent stopped") }
        writeResume(force: true) { [self] in
            stopAnnouncing { [storage] in
                storage?.closeAll()
                whenDone()
            }
        }
    }

    /// Runs `handler` once every wanted piece is verified (at once when that is already so), or with the
    /// reason when the torrent fails first.
    func whenComplete(_ handler: @escaping (String?) -> Void) {
        switch state {
        case .seeding: handler(nil)
        case .failed: handler(errorMessage ?? "failed")
        default: completionHandlers.append(handler)
        }
    }

    /// Tells everyone waiting for completion how it ended.
    func notifyCompletion(_ failure: String?) {
        let handlers = completionHandlers
        completionHandlers.removeAll()
        for handler in handlers { handler(failure) }
    }

    func fail(_ message: String) {
        guard state != .failed else { return }
        logger.error("torrent failed", metadata: ["reason": "\(message)"])
        state = .failed
        errorMessage = message
        failPieceWaiters(.failed(message))
        for peer in peers.values { peer.close(reason: "torrent failed") }
        stopAnnouncing()
        notifyCompletion(message)
    }

    // MARK: - Time

    private func scheduleTick() {
        tickTask = loop.assumeIsolated().scheduleTask(in: .seconds(1)) { [weak self] in
            guard let self, !self.isStopped else { return }
            self.tick()
            self.scheduleTick()
        }
    }

    /// Once a second: rates, request time-outs, idle peers, choking, new connections, resume data.
    func tick() {
        let now = NIODeadline.now()
        let seconds = Double((now - lastTick).nanoseconds) / 1e9
        lastTick = now
        ticks += 1
        download.tick(seconds: seconds)
        upload.tick(seconds: seconds)
        refreshAnnounceProgress()
        for peer in peers.values {
            peer.download.tick(seconds: seconds)
            peer.upload.tick(seconds: seconds)
            checkTimeouts(of: peer, now: now)
        }
        if ticks % 10 == 1 { rechoke(rotateOptimistic: ticks % 30 == 1) }
        if state == .seeding { checkSeedingLimits(now: now) }
        if ticks % 60 == 0 { blocked = blocked.filter { $0.value > now } }  // expired blocks go; the rest is capped
        let pexEvery = max(1, configuration.pexIntervalSeconds)
        if ticks % pexEvery == min(5, pexEvery - 1) { sendPeerExchange() }
        if state == .fetchingMetadata { requestMetadata() }
        connectMore()
        for peer in peers.values { fillRequests(peer); peer.flush() }
        if resumeDirty, now - lastResumeWrite >= .seconds(Int64(configuration.resumeIntervalSeconds)) {
            writeResume(force: false) {}
        }
    }

    /// Pauses a seeding torrent that reached its ratio or seeding-time limit.
    private func checkSeedingLimits(now: NIODeadline) {
        if seedingSince == nil { seedingSince = now }
        let size = max(1, info?.totalLength ?? 1)
        let ratioReached = configuration.seedRatioLimit > 0 && Double(upload.total) / Double(size) >= configuration.seedRatioLimit
        let timeReached = configuration.seedTimeLimitSeconds > 0
            && now - (seedingSince ?? now) >= .seconds(Int64(configuration.seedTimeLimitSeconds))
        if ratioReached || timeReached {
            logger.info("seeding limit reached", metadata: ["ratio": "\(ratioReached)", "time": "\(timeReached)"])
            pause()
        }
    }

    private func checkTimeouts(of peer: PeerConnection, now: NIODeadline) {
        if now - peer.lastReceivedAt > .seconds(Int64(configuration.peerIdleTimeoutSeconds)) {
            return peer.close(reason: "silent for \(configuration.peerIdleTimeoutSeconds) s")
        }
        if !peer.outstanding.isEmpty, now - peer.lastBlockAt > .seconds(Int64(configuration.requestTimeoutSeconds)) {
            logger.debug("requests timed out", metadata: ["peer": "\(peer.address)", "count": "\(peer.outstanding.count)"])
            returnRequests(of: peer)
            peer.depth = configuration.minRequestDepth
            peer.lastBlockAt = now
        }
        if now - peer.lastSentAt > .seconds(60) {
            peer.send(.keepAlive)
        }
        peer.depth = RequestPipeline.depth(
            rate: peer.download.rate, roundTrip: peer.latency.roundTrip, streaming: (picker?.pendingDeadlines ?? 0) > 0,
            initial: Self.initialDepth, minimum: configuration.minRequestDepth,
            maximum: min(configuration.maxRequestDepth, peer.extensions.requestQueueLength ?? configuration.maxRequestDepth)
        )
    }

    // MARK: - Snapshots

    func snapshot() -> TorrentSnapshot {
        var verified: Int64 = 0, wanted: Int64 = 0, held: Int64 = 0
        if let picker {
            for piece in 0..<picker.pieceCount {
                let length = Int64(picker.length(ofPiece: piece))
                if picker.have[piece] { held += length }
                guard picker.priority(ofPiece: piece) != .skip else { continue }
                wanted += length
                if picker.have[piece] { verified += length }
            }
        }
        return TorrentSnapshot(
            infoHash: infoHash.hex, name: name, state: state, error: errorMessage,
            totalBytes: info?.totalLength ?? 0, verifiedBytes: verified, wantedBytes: wanted,
            downloadedBytes: download.total, uploadedBytes: upload.total,
            downloadRate: Int64(download.rate), uploadRate: Int64(upload.rate),
            peers: peers.count, knownPeers: knownPeers.count,
            pieces: info?.pieceCount ?? 0, piecesVerified: picker?.have.setCount ?? 0,
            hashFailures: hashFailures, savePath: savePath, streamOnly: streamOnly, verifiedPieceBytes: held
        )
    }

    func peerSnapshots() -> [PeerSnapshot] {
        peers.values.sorted { $0.key < $1.key }.map { peer in
            PeerSnapshot(
                address: peer.address.description, client: peer.extensions.client, isOutgoing: peer.isOutgoing,
                downloadRate: Int64(peer.download.rate), uploadRate: Int64(peer.upload.rate),
                downloaded: peer.download.total, uploaded: peer.upload.total, piecesHave: peer.has?.setCount ?? 0,
                amChoking: peer.amChoking, amInterested: peer.amInterested,
                peerChoking: peer.peerChoking, peerInterested: peer.peerInterested,
                outstandingRequests: peer.outstanding.count
            )
        }
    }

    /// Piece priorities from file priorities: a piece is as wanted as the most wanted file it touches.
    static func piecePriorities(_ files: [PiecePriority], layout: FileLayout, pieceCount: Int) -> [PiecePriority] {
        var pieces = Array(repeating: PiecePriority.skip, count: pieceCount)
        for (index, priority) in files.enumerated() where index < layout.files.count {
            guard let range = layout.pieces(ofFile: index) else { continue }
            for piece in range where priority > pieces[piece] { pieces[piece] = priority }
        }
        return pieces
    }
}
