import Device
import Logging
import ServiceLifecycle
import Stream

/// Runs the disk cache of stream-only torrents: evicts every few seconds when over its limit and saves its read
/// order at shutdown.
struct StreamCacheService: Service {
    let cache: DiskCache

    func run() async throws {
        await cache.start()
        await cancelWhenGracefulShutdown { await cache.run() }
    }
}
