import Logging
import Torrent

/// Keeps the pieces of stream-only torrents within a disk budget.
///
/// Contract:
/// - When the verified bytes of all stream-only torrents exceed ``maxBytes``, pieces are evicted — least recently
///   read first, never-read ones before all — until they are at ``targetBytes``. Pieces inside any reader's
///   window and the head and tail of media files in use are never evicted (``StreamService/protectedPieces()``);
///   torrents added to keep are never touched.
/// - The engine evicts (resume data first, then the holes), so the cache never points at data that is gone;
///   the read order is saved to `statePath` (write-temp + fsync + rename) so it survives a restart.
public actor DiskCache {
    public nonisolated let maxBytes: Int64
    public nonisolated let targetBytes: Int64
    public nonisolated let recency = ReadRecency()
    private let engine: Engine
    private let streams: StreamService
    private let statePath: String?
    private let logger: Logger
    /// Bytes given back since start, and how many pieces.
    public private(set) var evictedBytes: Int64 = 0
    public private(set) var evictedPieces = 0

    public init(engine: Engine, streams: StreamService, maxBytes: Int64, targetBytes: Int64, statePath: String?, logger: Logger) {
        self.engine = engine
        self.streams = streams
        self.maxBytes = maxBytes
        self.targetBytes = min(targetBytes, maxBytes)
        self.statePath = statePath
        self.logger = logger
        if let statePath, let bytes = AtomicFile.read(statePath, limit: 64 << 20) { recency.load(bytes) }
    }

    /// Connects the streams' reads to the recency order.
    public func start() async {
        let recency = recency
        await streams.observeReads { infoHash, piece in
            recency.noted(piece, of: infoHash, at: Int64(WallClock.unixSeconds()))
        }
    }

    /// Verified bytes of stream-only torrents now.
    public func usedBytes() async -> Int64 {
        var used: Int64 = 0
        for snapshot in await engine.snapshots() where snapshot.streamOnly { used += snapshot.verifiedPieceBytes }
        return used
    }

    /// Evicts down to the target when over the maximum; returns the bytes freed.
    @discardableResult
    public func enforce() async -> Int64 {
        let streamOnly = await engine.snapshots().filter(\.streamOnly)
        let used = streamOnly.reduce(Int64(0)) { $0 + $1.verifiedPieceBytes }
        guard used > maxBytes else { return 0 }
        let protected = await streams.protectedPieces()
        var candidates: [(seconds: Int64, infoHash: InfoHash, piece: Int, length: Int64)] = []
        for snapshot in streamOnly {
            guard let infoHash = InfoHash(hex: snapshot.infoHash), let have = await engine.verifiedPieces(of: infoHash),
                  let info = await engine.info(of: infoHash) else { continue }
            let keep = protected[infoHash] ?? []
            for piece in have.indices where !keep.contains(piece) {
                candidates.append((recency.lastRead(piece, of: infoHash) ?? 0, infoHash, piece, Int64(info.length(ofPiece: piece))))
            }
        }
        candidates.sort { ($0.seconds, $0.piece) < ($1.seconds, $1.piece) }
        var chosen: [InfoHash: [Int]] = [:]
        var planned: Int64 = 0
        for candidate in candidates where used - planned > targetBytes {
            chosen[candidate.infoHash, default: []].append(candidate.piece)
            planned += candidate.length
        }
        var freed: Int64 = 0
        for (infoHash, pieces) in chosen {
            do {
                freed += try await engine.evict(pieces, of: infoHash)
                recency.forget(pieces, of: infoHash)
                for piece in pieces { await streams.cache.forget(piece: piece, of: infoHash) }
                evictedPieces += pieces.count
            } catch {
                logger.warning("cannot evict from the stream cache", metadata: ["torrent": "\(infoHash)", "error": "\(error)"])
            }
        }
        evictedBytes += freed
        logger.info("stream cache evicted", metadata: [
            "freed": "\(freed)", "used": "\(used)", "max": "\(maxBytes)", "target": "\(targetBytes)",
        ])
        return freed
    }

    /// Saves the read order when it changed.
    public func save() {
        guard let statePath, recency.needsSaving else { return }
        do {
            try AtomicFile.write(recency.encoded(), to: statePath)
        } catch {
            logger.warning("cannot save the stream cache's read order", metadata: ["error": "\(error)"])
        }
    }

    /// Enforces every `interval` and saves every minute until the task is cancelled; saves at the end.
    public func run(every interval: Duration = .seconds(5)) async {
        var rounds = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await enforce()
            rounds += 1
            if rounds % 12 == 0 { save() }
        }
        save()
    }
}
