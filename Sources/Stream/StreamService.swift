import Logging
import NIOCore
import Torrent

/// Streams files of torrents while they download: each reader's position drives piece deadlines in the
/// engine, reads wait for verified pieces and go through the bounded RAM ``PieceCache``.
///
/// Contract:
/// - ``stream(_:range:to:)`` delivers exactly the bytes of `range` in order, only from SHA-1-verified pieces,
///   in slices of at most one chunk, and returns when done. It throws when the sink throws (the client went
///   away), when a piece does not arrive within `pieceWaitTimeout`, or when the task is cancelled; in every case
///   the reader is gone from the deadlines at once, so requests only it needed are cancelled.
/// - Deadlines of a torrent are the union of its readers' windows (``ReadaheadPolicy``), recomputed when a
///   reader opens, closes, or moves to another piece, and every `refreshInterval` while readers exist.
/// - A reader that has read less than `readaheadEarnedAfterBytes` since its request and reaches a piece not yet
///   here first gives its client `probePause` to leave (``ReadaheadPolicy/pausesBeforeFetching(readSinceRequest:)``).
/// - Many readers may read the same or different files at once; they never wait on each other except for
///   room in the RAM cache.
public actor StreamService {
    public nonisolated let cache: PieceCache
    public nonisolated let configuration: StreamConfiguration
    private let engine: Engine
    private let policy: ReadaheadPolicy
    private let logger: Logger

    private struct Reader {
        let file: StreamFile
        var position: Int64
        var piece: Int
        var meter = ReadRateMeter()
        /// Bytes delivered since the reader opened: its window grows with them.
        var readSoFar: Int64 = 0
    }

    private var readers: [InfoHash: [Int: Reader]] = [:]
    private var nextReaderID = 0
    private var swarmRates: [InfoHash: Double] = [:]
    private var refresher: Task<Void, Never>?
    /// Called with each piece a reader read from (the disk cache's recency).
    private var readObserver: (@Sendable (InfoHash, Int) -> Void)?

    public init(engine: Engine, configuration: StreamConfiguration = StreamConfiguration(), logger: Logger) {
        self.engine = engine
        self.configuration = configuration
        self.policy = ReadaheadPolicy(configuration: configuration)
        self.cache = PieceCache(budget: configuration.ramCacheBytes, retain: configuration.ramCacheRetainBytes)
        self.logger = logger
    }

    /// Tells `observer` about every piece read (the disk cache keeps its least-recently-read order with it).
    public func observeReads(_ observer: @escaping @Sendable (InfoHash, Int) -> Void) {
        readObserver = observer
    }

    /// Readers open now.
    public var readerCount: Int { readers.values.reduce(0) { $0 + $1.count } }

    /// The file `index` of a torrent, waiting (up to `metadataTimeout`) for a magnet's metadata.
    public func file(_ infoHash: InfoHash, index: Int) async throws -> StreamFile {
        let deadline = ContinuousClock.now + configuration.metadataTimeout
        while true {
            if let info = await engine.info(of: infoHash) { return try StreamFile(infoHash: infoHash, index: index, info: info) }
            guard await engine.snapshot(of: infoHash) != nil else { throw StreamError.noSuchTorrent }
            guard ContinuousClock.now < deadline else { throw StreamError.metadataTimeout }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Pieces no eviction may take, by torrent: every reader's window and the head and tail of media files
    /// in use.
    public func protectedPieces() -> [InfoHash: Set<Int>] {
        var result: [InfoHash: Set<Int>] = [:]
        let now = ContinuousClock.now
        for (infoHash, group) in readers {
            var pieces = Set<Int>()
            for reader in group.values {
                let window = policy.deadlines(
                    for: reader.file, at: reader.position, readSoFar: reader.readSoFar, readRate: reader.meter.rate,
                    swarmRate: swarmRates[infoHash] ?? 0, now: now
                )
                pieces.formUnion(window.map(\.piece))
                pieces.formUnion(policy.pinnedPieces(of: reader.file))
            }
            result[infoHash] = pieces
        }
        return result
    }

    // MARK: - Reading

    /// Sends file bytes `range` to `sink`, slice by slice, as the pieces arrive. When `abandoned` completes
    /// (the client's connection closed) a wait for a piece ends at once with `CancellationError`.
    public nonisolated func stream(
        _ file: StreamFile, range: Range<Int64>, abandonedWhen abandoned: EventLoopFuture<Void>? = nil,
        to sink: (ByteBuffer) async throws -> Void
    ) async throws {
        guard !range.isEmpty else { return }
        let id = await open(file, at: range.lowerBound)
        do {
            try await read(file, range: range, reader: id, abandoned: abandoned, sink: sink)
        } catch {
            await close(id, of: file.infoHash)
            throw error
        }
        await close(id, of: file.infoHash)
    }

    private nonisolated func read(
        _ file: StreamFile, range: Range<Int64>, reader id: Int, abandoned: EventLoopFuture<Void>?,
        sink: (ByteBuffer) async throws -> Void
    ) async throws {
        let chunkBytes = configuration.chunkBytes
        var position = range.lowerBound
        while position < range.upperBound {
            try Task.checkCancellation()
            let piece = file.piece(at: position)
            if let abandoned, policy.pausesBeforeFetching(readSinceRequest: position - range.lowerBound),
               await !engine.isVerified(piece, of: file.infoHash),
               await abandoned.completes(within: configuration.probePause) {
                throw CancellationError()  // the client left after a short read: nobody needs that piece
            }
            await moved(id, of: file.infoHash, to: position, piece: piece)
            try await waitForPiece(piece, of: file.infoHash, abandoned: abandoned)
            let inPiece = Int(file.offset + position - Int64(piece) * Int64(file.pieceLength))
            let chunkBegin = inPiece / chunkBytes * chunkBytes
            let chunkLength = min(chunkBytes, file.length(ofPiece: piece) - chunkBegin)
            let key = PieceCache.Key(infoHash: file.infoHash, piece: piece, begin: chunkBegin)
            let engine = engine
            let buffer = try await cache.lease(key, length: chunkLength, timeout: configuration.cacheWaitTimeout) {
                try await engine.readVerified(piece: piece, begin: chunkBegin, length: chunkLength, of: file.infoHash)
            }
            let from = inPiece - chunkBegin
            let count = Int(min(Int64(chunkLength - from), range.upperBound - position))
            let slice = buffer.getSlice(at: buffer.readerIndex + from, length: count) ?? ByteBuffer()
            do {
                try await sink(slice)
            } catch {
                await cache.release(key)
                throw error
            }
            await cache.release(key)
            position += Int64(count)
            await delivered(count, reader: id, of: file.infoHash, piece: piece)
        }
    }

    private enum WaitEnd: Sendable { case arrived, timedOut, abandoned }

    /// Waits for a piece, at most `pieceWaitTimeout`; cancellation or `abandoned` ends the wait at once.
    private nonisolated func waitForPiece(_ piece: Int, of infoHash: InfoHash, abandoned: EventLoopFuture<Void>?) async throws {
        let engine = engine, timeout = configuration.pieceWaitTimeout
        do {
            try await withThrowingTaskGroup(of: WaitEnd.self) { group in
                group.addTask {
                    try await engine.waitForPiece(piece, of: infoHash)
                    return .arrived
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                }
                if let abandoned {
                    group.addTask {
                        await abandoned.completedOrCancelled()
                        return .abandoned
                    }
                }
                let end = try await group.next() ?? .timedOut
                group.cancelAll()
                switch end {
                case .arrived: return
                case .timedOut: throw StreamError.pieceTimeout(piece: piece)
                case .abandoned: throw CancellationError()
                }
            }
        } catch let error as PieceAccessError {
            throw StreamError.engine(error.description)
        }
    }

    // MARK: - Readers and deadlines

    private func open(_ file: StreamFile, at position: Int64) async -> Int {
        nextReaderID += 1
        let id = nextReaderID  // taken before the await: another reader may open meanwhile (actor reentrancy)
        let piece = file.piece(at: position)
        readers[file.infoHash, default: [:]][id] = Reader(file: file, position: position, piece: piece)
        logger.debug("reader opened", metadata: ["reader": "\(id)", "file": "\(file.path)", "position": "\(position)"])
        startRefreshing()
        await updateDeadlines(of: file.infoHash)
        return id
    }

    private func close(_ id: Int, of infoHash: InfoHash) async {
        logger.debug("reader closed", metadata: ["reader": "\(id)", "position": "\(readers[infoHash]?[id]?.position ?? -1)"])
        readers[infoHash]?[id] = nil
        if readers[infoHash]?.isEmpty == true { readers[infoHash] = nil }
        await updateDeadlines(of: infoHash)
    }

    private func moved(_ id: Int, of infoHash: InfoHash, to position: Int64, piece: Int) async {
        guard var reader = readers[infoHash]?[id] else { return }
        let changed = reader.piece != piece
        reader.position = position
        reader.piece = piece
        readers[infoHash]?[id] = reader
        if changed { await updateDeadlines(of: infoHash) }
    }

    private func delivered(_ bytes: Int, reader id: Int, of infoHash: InfoHash, piece: Int) {
        readers[infoHash]?[id]?.meter.add(bytes)
        readers[infoHash]?[id]?.readSoFar += Int64(bytes)
        readObserver?(infoHash, piece)
    }

    private func updateDeadlines(of infoHash: InfoHash) async {
        let now = ContinuousClock.now
        var merged: [Int: ContinuousClock.Instant] = [:]
        for reader in (readers[infoHash] ?? [:]).values {
            let window = policy.deadlines(
                for: reader.file, at: reader.position, readSoFar: reader.readSoFar, readRate: reader.meter.rate,
                swarmRate: swarmRates[infoHash] ?? 0, now: now
            )
            for (piece, deadline) in window { merged[piece] = min(deadline, merged[piece] ?? deadline) }
        }
        await engine.setPieceDeadlines(merged.map { ($0.key, $0.value) }, of: infoHash)
    }

    /// While readers exist: every `refreshInterval`, sample rates and recompute every torrent's deadlines.
    private func startRefreshing() {
        guard refresher == nil else { return }
        let interval = configuration.refreshInterval
        refresher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, await self.refresh() else { return }
            }
        }
    }

    /// One refresh; false (and the refresher stops) when no reader is left.
    private func refresh() async -> Bool {
        guard !readers.isEmpty else {
            refresher = nil
            return false
        }
        for infoHash in Array(readers.keys) {
            for id in Array(readers[infoHash]?.keys ?? [:].keys) { readers[infoHash]?[id]?.meter.sample() }
            if let snapshot = await engine.snapshot(of: infoHash) { swarmRates[infoHash] = Double(snapshot.downloadRate) }
            await updateDeadlines(of: infoHash)
        }
        swarmRates = swarmRates.filter { readers[$0.key] != nil }
        return true
    }
}
