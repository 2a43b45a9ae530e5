import NIOCore
import Stream
import Synchronization
import Testing
import Torrent

/// The RAM cache's budget holds under concurrent readers: it evicts unleased chunks, makes readers wait rather
/// than allocate, shares one load among readers of the same chunk, and leaves nothing behind when a load fails.
@Suite struct PieceCacheTests {
    static let hash = InfoHash(hex: "0123456789abcdef0123456789abcdef01234567")!
    static func key(_ piece: Int) -> PieceCache.Key { .init(infoHash: hash, piece: piece, begin: 0) }
    static func chunk(_ value: UInt8, _ length: Int = 100) -> ByteBuffer { ByteBuffer(bytes: Array(repeating: value, count: length)) }

    @Test func unleasedChunksAreEvictedLeastRecentlyUsedFirst() async throws {
        let cache = PieceCache(budget: 300, retain: 300)
        for piece in 0..<3 {
            _ = try await cache.lease(Self.key(piece), length: 100, timeout: .seconds(1)) { Self.chunk(UInt8(piece)) }
            await cache.release(Self.key(piece))
        }
        _ = try await cache.lease(Self.key(0), length: 100, timeout: .seconds(1)) { Issue.record("cached"); return Self.chunk(0) }
        await cache.release(Self.key(0))
        _ = try await cache.lease(Self.key(3), length: 100, timeout: .seconds(1)) { Self.chunk(3) }  // evicts 1, the oldest
        await cache.release(Self.key(3))
        let loads = LoadCounter()
        _ = try await cache.lease(Self.key(1), length: 100, timeout: .seconds(1)) { loads.count.add(1, ordering: .relaxed); return Self.chunk(1) }
        #expect(loads.count.load(ordering: .relaxed) == 1)
        #expect(await cache.usedBytes <= 300 && cache.budget == 300)
    }

    @Test func aFullCacheOfLeasedChunksMakesReadersWaitNotAllocate() async throws {
        let cache = PieceCache(budget: 200, retain: 200)
        _ = try await cache.lease(Self.key(0), length: 100, timeout: .seconds(1)) { Self.chunk(0) }
        _ = try await cache.lease(Self.key(1), length: 100, timeout: .seconds(1)) { Self.chunk(1) }
        await #expect(throws: StreamError.cacheBusy) {
            _ = try await cache.lease(Self.key(2), length: 100, timeout: .milliseconds(100)) { Self.chunk(2) }
        }
        let waiting = Task { try await cache.lease(Self.key(3), length: 100, timeout: .seconds(5)) { Self.chunk(3) } }
        try await Task.sleep(for: .milliseconds(50))
        await cache.release(Self.key(0))  // room: the waiter goes on
        #expect(try await waiting.value.readableBytes == 100)
        #expect(await cache.peakBytes <= 200)
    }

    @Test func unusedChunksAreKeptOnlyUpToTheRetainLimit() async throws {
        let cache = PieceCache(budget: 1000, retain: 200)
        for piece in 0..<5 {
            _ = try await cache.lease(Self.key(piece), length: 100, timeout: .seconds(1)) { Self.chunk(UInt8(piece)) }
        }
        #expect(await cache.usedBytes == 500, "leased chunks all stay")
        for piece in 0..<5 { await cache.release(Self.key(piece)) }
        #expect(await cache.usedBytes == 200)
        for piece in 3..<5 {
            _ = try await cache.lease(Self.key(piece), length: 100, timeout: .seconds(1)) { Issue.record("the most recent are kept"); return Self.chunk(0) }
            await cache.release(Self.key(piece))
        }
        let loads = LoadCounter()
        _ = try await cache.lease(Self.key(0), length: 100, timeout: .seconds(1)) { loads.count.add(1, ordering: .relaxed); return Self.chunk(0) }
        #expect(loads.count.load(ordering: .relaxed) == 1, "the oldest went")
        #expect(PieceCache(budget: 100, retain: 500).retain == 100, "never more than the budget")
    }

    @Test func readersOfOneChunkShareOneLoadAndAFailedLoadLeavesNothing() async throws {
        let cache = PieceCache(budget: 1000, retain: 1000)
        let loads = LoadCounter()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await cache.lease(Self.key(5), length: 100, timeout: .seconds(1)) {
                        loads.count.add(1, ordering: .relaxed)
                        try await Task.sleep(for: .milliseconds(50))
                        return Self.chunk(5)
                    }.readableBytes
                }
            }
            for try await length in group { #expect(length == 100) }
        }
        #expect(loads.count.load(ordering: .relaxed) == 1)
        struct Broken: Error {}
        await #expect(throws: Broken.self) {
            _ = try await cache.lease(Self.key(6), length: 100, timeout: .seconds(1)) { throw Broken() }
        }
        #expect(await cache.usedBytes == 100)
    }
}

/// How many times a loader ran.
final class LoadCounter: Sendable {
    let count = Atomic<Int>(0)
}
