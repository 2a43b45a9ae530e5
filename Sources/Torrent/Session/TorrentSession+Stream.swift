import NIOCore
import NIOPosix

/// What the streaming layer asks of a torrent: deadlines for the pieces readers need next, waiting for a piece,
/// reading verified bytes, and giving disk space back (eviction) for torrents fetched only where read.
extension TorrentSession {
    /// Every wanted piece is verified; a stream-only torrent is done only when it has every piece.
    var isDone: Bool {
        guard let picker else { return false }
        return picker.isComplete && (!streamOnly || picker.have.isFull)
    }

    /// Verified, not being evicted: safe to read and to upload.
    func isReadable(_ piece: Int) -> Bool {
        picker?.have[piece] == true && !evicting.contains(piece)
    }

    /// The streaming hook: fetch these pieces before anything with a later deadline (even skipped ones).
    /// Replaces earlier deadlines. When a peer has deadline work it could start, requests it holds for pieces
    /// without a deadline are cancelled so the deadline blocks do not queue behind them (a seek takes effect
    /// at once rather than after seconds of queued background blocks).
    func setPieceDeadlines(_ deadlines: [(piece: Int, deadline: ContinuousClock.Instant)]) {
        guard picker != nil else { return }
        picker?.setDeadlines(deadlines)
        if state == .seeding, !isDone { state = .downloading }
        if streamOnly { cancelUnwantedRequests() }
        guard let picker, picker.pendingDeadlines > 0 else { return }
        for peer in peers.values {
            if !peer.amInterested { updateInterest(peer) }
            cancelBackgroundRequests(of: peer, picker: picker)
            fillRequests(peer)
            peer.flush()
        }
        scheduleTimeCriticalPass()
    }

    private func cancelBackgroundRequests(of peer: PeerConnection, picker: PiecePicker) {
        guard let has = peer.has, !peer.outstanding.isEmpty else { return }
        let hasDeadlineWork = deadlinePieces(picker).contains { has[$0] }
        guard hasDeadlineWork else { return }
        for block in peer.outstanding where !picker.hasDeadline(block.piece) { cancel(block, on: peer) }
    }

    /// A stream-only torrent wants only what readers need: requests for pieces that lost their deadline go.
    private func cancelUnwantedRequests() {
        guard let picker else { return }
        for peer in peers.values {
            let unwanted = peer.outstanding.filter { !picker.isWanted($0.piece) }
            guard !unwanted.isEmpty else { continue }
            for block in unwanted { cancel(block, on: peer) }
            peer.flush()
        }
    }

    /// Unverified deadline pieces whose blocks are not all requested yet.
    private func deadlinePieces(_ picker: PiecePicker) -> [Int] {
        picker.deadlinePieces.filter { picker.isWanted($0) && picker.unrequestedBlocks(ofPiece: $0) > 0 }
    }

    /// Peers ask for blocks when something happens on their connection (a block arrives, a choke ends) and once
    /// a second. A piece a reader waits for becomes time-critical — worth asking of more peers — at a moment when
    /// nothing may happen: the peers that had its other blocks may be done and idle. So while a deadline piece is
    /// missing, a pass offers work to every peer when the earliest one turns time-critical, and every 100 ms while
    /// one is late.
    func scheduleTimeCriticalPass() {
        guard timeCriticalPass == nil, !isStopped, let due = picker?.nextTimeCritical else { return }
        let now = ContinuousClock.now
        let wait = due > now ? min(due - now, .seconds(1)) + .milliseconds(5) : .milliseconds(100)
        let (seconds, attoseconds) = wait.components
        let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        timeCriticalPass = loop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self else { return }
            self.timeCriticalPass = nil
            guard !self.isStopped, self.state == .downloading else { return }
            for peer in self.peers.values {
                self.fillRequests(peer)
                peer.flush()
            }
            self.scheduleTimeCriticalPass()
        }
    }

    /// Stream-only: every piece `skip` until a reader asks; keep: the file priorities (all `normal` unless set).
    func setStreamOnly(_ on: Bool) {
        guard on != streamOnly else { return }
        streamOnly = on
        guard let info else { return }
        let pieces = on
            ? Array(repeating: PiecePriority.skip, count: info.pieceCount)
            : Self.piecePriorities(filePriorities ?? Array(repeating: .normal, count: info.files.count),
                                   layout: FileLayout(info: info), pieceCount: info.pieceCount)
        picker?.setPriorities(pieces)
        picker?.allowsEndGame = !on
        if state == .seeding, !isDone { state = .downloading }
        refreshAnnounceProgress()
        for peer in peers.values {
            updateInterest(peer)
            fillRequests(peer)
            peer.flush()
        }
    }

    // MARK: - Waiting for pieces

    /// Completes `promise` once `piece` is verified (at once when it is), or fails it when the torrent stops
    /// or fails first. Returns the id ``cancelPieceWait(id:piece:)`` takes.
    func waitForPiece(_ piece: Int, promise: EventLoopPromise<Void>) -> Int {
        nextWaiterID += 1
        guard let picker, piece >= 0, piece < picker.pieceCount else {
            promise.fail(PieceAccessError.outOfRange)
            return nextWaiterID
        }
        if isReadable(piece) {
            promise.succeed()
        } else if state == .failed {
            promise.fail(PieceAccessError.failed(errorMessage ?? "failed"))
        } else {
            pieceWaiters[piece, default: []].append((nextWaiterID, promise))
        }
        return nextWaiterID
    }

    /// A reader gave up waiting (its client went away): its promise fails with `CancellationError`.
    func cancelPieceWait(id: Int, piece: Int) {
        guard var waiting = pieceWaiters[piece], let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        let promise = waiting.remove(at: index).promise
        pieceWaiters[piece] = waiting.isEmpty ? nil : waiting
        promise.fail(CancellationError())
    }

    func resolvePieceWaiters(_ piece: Int) {
        guard let waiting = pieceWaiters.removeValue(forKey: piece) else { return }
        for waiter in waiting { waiter.promise.succeed() }
    }

    func failPieceWaiters(_ error: PieceAccessError) {
        let all = pieceWaiters
        pieceWaiters.removeAll()
        for waiter in all.values.joined() { waiter.promise.fail(error) }
    }

    // MARK: - Reading and evicting

    /// Reads `length` bytes at `begin` of a verified piece from the disk pool; fails with
    /// ``PieceAccessError/notVerified`` when the piece is not (or no longer) verified.
    func readVerified(piece: Int, begin: Int, length: Int) -> EventLoopFuture<ByteBuffer> {
        guard let info, let storage, piece >= 0, piece < info.pieceCount, begin >= 0, length > 0,
              begin + length <= info.length(ofPiece: piece) else {
            return loop.makeFailedFuture(PieceAccessError.outOfRange)
        }
        guard isReadable(piece) else { return loop.makeFailedFuture(PieceAccessError.notVerified) }
        pieceReads[piece, default: 0] += 1
        let promise = loop.makePromise(of: ByteBuffer.self)
        directory.disk.runIfActive(eventLoop: loop) {
            try storage.read(piece: piece, begin: begin, length: length)
        }.assumeIsolated().whenComplete { [self] result in
            endRead(of: piece)
            switch result {
            case .success(let data): promise.succeed(data)
            case .failure(let error): promise.fail(PieceAccessError.storage("\(error)"))
            }
        }
        return promise.futureResult
    }

    func endRead(of piece: Int) {
        pieceReads[piece, default: 1] -= 1
        if pieceReads[piece] == 0 { pieceReads[piece] = nil }
    }

    /// Evicts verified pieces of a stream-only torrent from the disk: first the resume data stops claiming
    /// them (so a crash never leaves it pointing at holes), then their blocks are freed, then they are
    /// forgotten and the resume data is written again with the files' new times. Pieces being read, with a
    /// deadline, or not verified are left alone. Completes with the bytes freed.
    func evict(_ pieces: [Int]) -> EventLoopFuture<Int64> {
        guard streamOnly, let info, let storage, let picker else { return loop.makeSucceededFuture(0) }
        let chosen = pieces.filter {
            $0 >= 0 && $0 < info.pieceCount && isReadable($0) && pieceReads[$0] == nil && !picker.hasDeadline($0)
        }
        guard !chosen.isEmpty else { return loop.makeSucceededFuture(0) }
        evicting.formUnion(chosen)
        let promise = loop.makePromise(of: Int64.self)
        writeResume(force: true) { [self] in
            directory.disk.runIfActive(eventLoop: loop) { () -> Int64 in
                var freed: Int64 = 0
                for piece in chosen {
                    try storage.discard(piece: piece, length: info.length(ofPiece: piece))
                    freed += Int64(info.length(ofPiece: piece))
                }
                return freed
            }.assumeIsolated().whenComplete { [self] result in
                for piece in chosen {
                    evicting.remove(piece)
                    self.picker?.unhave(piece)
                }
                resumeDirty = true
                writeResume(force: true) {}
                switch result {
                case .success(let freed): promise.succeed(freed)
                case .failure(let error): promise.fail(PieceAccessError.storage("\(error)"))
                }
            }
        }
        return promise.futureResult
    }
}

/// Why a piece cannot be waited for or read.
public enum PieceAccessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No torrent with that info-hash.
    case noSuchTorrent
    /// The torrent's metadata is not known yet (a magnet still fetching it).
    case noMetadata
    /// A piece or byte range outside the torrent.
    case outOfRange
    /// The piece is not verified (or was evicted).
    case notVerified
    /// The torrent was stopped or removed.
    case stopped
    /// The torrent failed.
    case failed(String)
    /// The disk read failed.
    case storage(String)

    public var description: String {
        switch self {
        case .noSuchTorrent: "no such torrent"
        case .noMetadata: "the torrent's metadata is not known yet"
        case .outOfRange: "outside the torrent"
        case .notVerified: "the piece is not verified"
        case .stopped: "the torrent stopped"
        case .failed(let why): "the torrent failed: \(why)"
        case .storage(let why): "cannot read: \(why)"
        }
    }
}
