import NIOCore
import Torrent

/// The RAM cache of verified data: chunks (slices of one piece) read from the disk once and shared by every
/// reader of them.
///
/// Contract:
/// - The bytes of all chunks held or being loaded never exceed ``budget``: a chunk's size is reserved before it
///   is read. When the budget is spent, unused chunks go least recently used first; when every chunk is in use
///   (leased), a new read waits — in arrival order, up to the timeout given — instead of allocating. Memory
///   outside the cache is what the sockets still hold of chunks already written (one chunk per connection).
/// - Unused chunks are kept only up to ``retain`` bytes (least recently used go first): the kernel's page cache
///   already holds the file, so a second copy of what nobody reads now would only cost RAM. What is kept serves
///   readers of the same bytes at about the same time (a player's parallel connections, a transcoder beside a
///   player) without another read.
/// - Concurrent requests for the same chunk read it once. A failed read leaves nothing behind.
/// - Only verified data gets in: the loader is the engine's `readVerified`.
/// - Every successful ``lease(_:length:timeout:load:)`` must be followed by one ``release(_:)``.
public actor PieceCache {
    /// A chunk: `length` bytes at `begin` of `piece` of a torrent.
    public struct Key: Hashable, Sendable {
        public let infoHash: InfoHash
        public let piece: Int
        public let begin: Int

        public init(infoHash: InfoHash, piece: Int, begin: Int) {
            self.infoHash = infoHash
            self.piece = piece
            self.begin = begin
        }
    }

    private enum Entry {
        case loading(length: Int, waiters: [CheckedContinuation<ByteBuffer, any Error>])
        case ready(ByteBuffer, size: Int, leases: Int, lastUse: UInt64)
    }

    public nonisolated let budget: Int
    /// Most bytes of unused (unleased) chunks kept; at most ``budget``.
    public nonisolated let retain: Int
    private var entries: [Key: Entry] = [:]
    private var reserved = 0
    private var clock: UInt64 = 0
    private var roomWaiters: [(id: Int, bytes: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiterID = 0
    /// Most bytes ever reserved at once: what tests and the status API check against the budget.
    public private(set) var peakBytes = 0
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(budget: Int, retain: Int) {
        self.budget = max(1, budget)
        self.retain = min(self.budget, max(0, retain))
    }

    /// Bytes held or being loaded now.
    public var usedBytes: Int { reserved }

    /// The chunk's bytes, from the cache or from `load`, leased until ``release(_:)``. Throws
    /// ``StreamError/cacheBusy`` when no room frees up within `timeout`, `load`'s error when the read fails,
    /// and `CancellationError` when the calling task is cancelled while it waits for room.
    public func lease(
        _ key: Key, length: Int, timeout: Duration, load: @Sendable () async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        precondition(length > 0 && length <= budget, "a chunk must fit the cache")
        clock += 1
        switch entries[key] {
        case .ready(let buffer, let size, let leases, _):
            hits += 1
            entries[key] = .ready(buffer, size: size, leases: leases + 1, lastUse: clock)
            return buffer
        case .loading(let loadingLength, var waiters):
            hits += 1
            return try await withCheckedThrowingContinuation { continuation in
                waiters.append(continuation)
                entries[key] = .loading(length: loadingLength, waiters: waiters)
            }
        case nil:
            misses += 1
        }
        try await makeRoom(for: length, timeout: timeout)
        if entries[key] != nil {  // another reader loaded it while this one waited for room
            reserved -= length
            wakeRoomWaiters()
            return try await lease(key, length: length, timeout: timeout, load: load)
        }
        entries[key] = .loading(length: length, waiters: [])
        do {
            let buffer = try await load()
            guard case .loading(_, let waiters) = entries[key] else { return buffer }
            entries[key] = .ready(buffer, size: length, leases: 1 + waiters.count, lastUse: clock)
            for waiter in waiters { waiter.resume(returning: buffer) }
            return buffer
        } catch {
            if case .loading(_, let waiters) = entries.removeValue(forKey: key) {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
            reserved -= length
            wakeRoomWaiters()
            throw error
        }
    }

    /// Ends one lease of the chunk; unleased chunks stay cached, up to ``retain`` bytes of them.
    public func release(_ key: Key) {
        guard case .ready(let buffer, let size, let leases, let lastUse) = entries[key] else { return }
        entries[key] = .ready(buffer, size: size, leases: max(0, leases - 1), lastUse: lastUse)
        guard leases <= 1 else { return }
        trimUnused()
        wakeRoomWaiters()
    }

    /// Drops every unleased chunk of `piece` (it was evicted from the disk); leased ones go at release.
    public func forget(piece: Int, of infoHash: InfoHash) {
        for (key, entry) in entries where key.infoHash == infoHash && key.piece == piece {
            if case .ready(_, let size, 0, _) = entry {
                entries[key] = nil
                reserved -= size
            }
        }
        wakeRoomWaiters()
    }

    // MARK: - Room

    /// Reserves `bytes`, evicting unleased chunks (least recently used first) or waiting for releases.
    private func makeRoom(for bytes: Int, timeout: Duration) async throws {
        if roomWaiters.isEmpty, evict(toFit: bytes) {
            reserve(bytes)
            return
        }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(id, with: StreamError.cacheBusy)
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                roomWaiters.append((id, bytes, continuation))
                wakeRoomWaiters()
            }
        } onCancel: {
            Task { await self.expire(id, with: CancellationError()) }
        }
    }

    private func expire(_ id: Int, with error: any Error) {
        guard let index = roomWaiters.firstIndex(where: { $0.id == id }) else { return }
        roomWaiters.remove(at: index).continuation.resume(throwing: error)
        wakeRoomWaiters()
    }

    /// Serves waiting readers in order while room can be made for the first of them.
    private func wakeRoomWaiters() {
        while let first = roomWaiters.first, evict(toFit: first.bytes) {
            roomWaiters.removeFirst()
            reserve(first.bytes)
            first.continuation.resume()
        }
    }

    private func reserve(_ bytes: Int) {
        reserved += bytes
        peakBytes = max(peakBytes, reserved)
    }

    /// Evicts unleased chunks, least recently used first, until `bytes` more fit; false when they cannot.
    private func evict(toFit bytes: Int) -> Bool {
        if reserved + bytes <= budget { return true }
        for (key, size) in unusedChunks() {
            entries[key] = nil
            reserved -= size
            if reserved + bytes <= budget { return true }
        }
        return false
    }

    /// Evicts unleased chunks, least recently used first, until at most ``retain`` bytes of them are left.
    private func trimUnused() {
        let unused = unusedChunks()
        var kept = unused.reduce(0) { $0 + $1.size }
        for (key, size) in unused where kept > retain {
            entries[key] = nil
            reserved -= size
            kept -= size
        }
    }

    /// The unleased chunks, least recently used first.
    private func unusedChunks() -> [(key: Key, size: Int)] {
        entries.compactMap { key, entry -> (key: Key, size: Int, lastUse: UInt64)? in
            guard case .ready(_, let size, 0, let lastUse) = entry else { return nil }
            return (key, size, lastUse)
        }.sorted { $0.lastUse < $1.lastUse }.map { ($0.key, $0.size) }
    }
}
