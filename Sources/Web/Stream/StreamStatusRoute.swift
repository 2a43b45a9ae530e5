import Hummingbird
import Stream

/// `GET /api/v1/stream`: readers open, the RAM cache (used, peak, budget, hits) and the disk cache of stream-only
/// torrents (used, max, target, evicted).
struct StreamStatusRoute {
    let streams: StreamService
    let diskCache: DiskCache?

    func register(on router: some RouterMethods<RillRequestContext>) {
        let streams = streams, diskCache = diskCache
        router.get("/api/v1/stream") { _, _ -> StreamStatus in
            let cache = streams.cache
            var status = StreamStatus(
                readers: await streams.readerCount, ramCacheBytes: await cache.usedBytes, ramCachePeakBytes: await cache.peakBytes,
                ramCacheBudget: cache.budget, ramCacheHits: await cache.hits, ramCacheMisses: await cache.misses
            )
            if let diskCache {
                status.diskCacheBytes = await diskCache.usedBytes()
                status.diskCacheMax = diskCache.maxBytes
                status.diskCacheTarget = diskCache.targetBytes
                status.diskCacheEvictedBytes = await diskCache.evictedBytes
            }
            return status
        }
    }
}

struct StreamStatus: ResponseEncodable {
    var readers: Int
    var ramCacheBytes: Int
    var ramCachePeakBytes: Int
    var ramCacheBudget: Int
    var ramCacheHits: Int
    var ramCacheMisses: Int
    var diskCacheBytes: Int64?
    var diskCacheMax: Int64?
    var diskCacheTarget: Int64?
    var diskCacheEvictedBytes: Int64?
}
