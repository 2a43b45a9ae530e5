import Logging
import NIOCore
import Synchronization

/// Announcing to the torrent's trackers (BEP 3, 12, 15) while it runs: the announcer works in its own task,
/// reads the totals from a box the session refreshes every tick, and hands peers back to the loop.
extension TorrentSession {
    func startAnnouncing() {
        guard announcer == nil, !announceTiers.isEmpty, !isStopped, state != .paused, state != .failed,
              directory.network.isOnline else { return }
        refreshAnnounceProgress()
        let tiers = TrackerTiers(announce: nil, announceList: announceTiers)
        let bound = NIOLoopBound(self, eventLoop: loop)
        let loop = loop
        let network = directory.network
        let progress = announceProgress
        let announcer = TrackerAnnouncer(
            infoHash: infoHash, peerID: directory.peerID, port: UInt16(clamping: directory.listenPort), tiers: tiers,
            client: directory.trackers,
            binding: { network.binding },  // read for every announce: nothing is sent while offline
            progress: { progress.withLock { $0 } },
            onPeers: { peers in loop.execute { bound.value.addPeers(peers) } },
            logger: logger
        )
        self.announcer = announcer
        announcer.start()
    }

    /// Stops announcing (`stopped` is sent, best effort) and runs `whenDone` on the loop afterwards.
    func stopAnnouncing(whenDone: @escaping () -> Void = {}) {
        guard let announcer else { return whenDone() }
        self.announcer = nil
        let loop = loop
        let done = NIOLoopBound(whenDone, eventLoop: loop)
        Task {
            await announcer.stop()
            loop.execute { done.value() }
        }
    }

    /// The totals the next announce reports.
    func refreshAnnounceProgress() {
        // A stream-only torrent reports all it lacks: "0 left" would make it look like a seed, and trackers
        // give seeds no seeds.
        let left = (streamOnly ? picker?.bytesMissing : picker?.bytesLeft) ?? info?.totalLength ?? Int64(BlockRequest.standardLength)
        let progress = TrackerAnnouncer.Progress(uploaded: upload.total, downloaded: download.total, left: left)
        announceProgress.withLock { $0 = progress }
    }

    func trackerStatuses() -> [TrackerStatus] { announcer?.statuses ?? [] }
}

/// The totals an announcer reads from its own task; the session writes them on the loop.
final class AnnounceProgressBox: Sendable {
    private let value = Mutex(TrackerAnnouncer.Progress(uploaded: 0, downloaded: 0, left: 0))

    func withLock<T>(_ body: (inout TrackerAnnouncer.Progress) -> T) -> T { value.withLock { body(&$0) } }
}
