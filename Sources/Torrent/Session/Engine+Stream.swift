import NIOCore

/// The engine's side of streaming: deadlines, waiting for pieces, reading verified bytes, evicting.
extension Engine {
    /// The streaming hook: these pieces are fetched before anything with a later deadline, even in skipped
    /// files. Replaces the torrent's earlier deadlines; an empty list clears them. Requests for pieces without a
    /// deadline are cancelled on peers that can serve deadline pieces instead.
    public func setPieceDeadlines(_ deadlines: [(piece: Int, deadline: ContinuousClock.Instant)], of infoHash: InfoHash) async {
        let copy = deadlines.map { PieceDeadline(piece: $0.piece, deadline: $0.deadline) }
        await onSession(infoHash) { $0.setPieceDeadlines(copy.map { ($0.piece, $0.deadline) }) }
    }

    /// The torrent's `info` once known (`nil` for an unknown torrent or a magnet still fetching it).
    public func info(of infoHash: InfoHash) async -> TorrentInfo? {
        let directory = directory
        return try? await loop.submit { directory.value.sessions[infoHash]?.info }.get()
    }

    /// The verified pieces of the torrent, or `nil` before its metadata is known.
    public func verifiedPieces(of infoHash: InfoHash) async -> Bitfield? {
        let directory = directory
        return try? await loop.submit { directory.value.sessions[infoHash]?.picker?.have }.get()
    }

    /// Whether `piece` of the torrent is verified and readable now (false for an unknown torrent or piece).
    public func isVerified(_ piece: Int, of infoHash: InfoHash) async -> Bool {
        let directory = directory
        return (try? await loop.submit {
            guard let session = directory.value.sessions[infoHash], let count = session.info?.pieceCount,
                  piece >= 0, piece < count else { return false }
            return session.isReadable(piece)
        }.get()) ?? false
    }

    /// Whether the torrent is fetched only where it is read; `nil` for an unknown torrent.
    public func isStreamOnly(_ infoHash: InfoHash) async -> Bool? {
        let directory = directory
        return try? await loop.submit { directory.value.sessions[infoHash]?.streamOnly }.get()
    }

    /// Returns once `piece` is verified (at once when it is). Throws ``PieceAccessError`` when the torrent is
    /// unknown, has no metadata yet, stops or fails first, and `CancellationError` at once when the calling task
    /// is cancelled (its wait is removed; nothing is left behind).
    public func waitForPiece(_ piece: Int, of infoHash: InfoHash) async throws {
        let directory = directory
        let loop = loop
        let promise = loop.makePromise(of: Void.self)
        let waiter = NIOLoopBoundBox<Int?>.makeEmptyBox(valueType: Int.self, eventLoop: loop)
        let cancelled = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: loop)
        loop.execute {
            guard !cancelled.value else { return promise.fail(CancellationError()) }
            guard let session = directory.value.sessions[infoHash] else { return promise.fail(PieceAccessError.noSuchTorrent) }
            guard session.info != nil else { return promise.fail(PieceAccessError.noMetadata) }
            waiter.value = session.waitForPiece(piece, promise: promise)
        }
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            loop.execute {
                cancelled.value = true
                if let id = waiter.value { directory.value.sessions[infoHash]?.cancelPieceWait(id: id, piece: piece) }
            }
        }
    }

    /// `length` bytes at `begin` of verified piece `piece`, read from the disk pool. Throws
    /// ``PieceAccessError/notVerified`` when the piece is not verified (or was evicted).
    public func readVerified(piece: Int, begin: Int, length: Int, of infoHash: InfoHash) async throws -> ByteBuffer {
        let directory = directory
        return try await loop.flatSubmit { () -> EventLoopFuture<ByteBuffer> in
            guard let session = directory.value.sessions[infoHash] else {
                return directory.value.loop.makeFailedFuture(PieceAccessError.noSuchTorrent)
            }
            return session.readVerified(piece: piece, begin: begin, length: length)
        }.get()
    }

    /// Gives the disk space of verified pieces of a stream-only torrent back; pieces being read or with a
    /// deadline stay. Returns the bytes freed (0 for a torrent that is not stream-only).
    @discardableResult
    public func evict(_ pieces: [Int], of infoHash: InfoHash) async throws -> Int64 {
        let directory = directory
        return try await loop.flatSubmit { () -> EventLoopFuture<Int64> in
            guard let session = directory.value.sessions[infoHash] else { return directory.value.loop.makeSucceededFuture(0) }
            return session.evict(pieces)
        }.get()
    }

    /// Switches a torrent between stream-only (only what readers need) and keep (every wanted file). Keeping
    /// restores the file priorities (all `normal` unless set).
    public func setStreamOnly(_ streamOnly: Bool, of infoHash: InfoHash) async {
        await onSession(infoHash) { $0.setStreamOnly(streamOnly) }
    }
}

/// A deadline as a `Sendable` value (tuples are not) for the hop onto the loop.
private struct PieceDeadline: Sendable {
    let piece: Int
    let deadline: ContinuousClock.Instant
}
