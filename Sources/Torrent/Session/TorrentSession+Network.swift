import NIOCore

/// What a torrent does when the engine's network goes away and comes back (the VPN kill switch).
extension TorrentSession {
    /// The engine went offline: every peer is reset (one RST each, nothing left for the kernel to send or
    /// retransmit afterwards) and announcing stops. No `stopped` announce goes out (the
    /// announcer finds no binding); dials in flight fail or are closed when they complete; nothing is dialled
    /// until ``networkCameOnline()``.
    func networkWentOffline(reason: String) {
        if blockedBeforeOffline == nil { blockedBeforeOffline = blocked }
        for peer in peers.values { peer.close(reason: "the network is offline: \(reason)", abort: true) }
        stopAnnouncing()
    }

    /// The engine is online again (possibly with a new binding): peers blocked because the outage broke their
    /// connections are free again, announcing restarts (`started`), known peers are dialled.
    func networkCameOnline() {
        if let saved = blockedBeforeOffline {
            blocked = saved
            blockedBeforeOffline = nil
        }
        guard !isStopped, state != .paused, state != .failed, state != .checking else { return }
        startAnnouncing()
        connectMore()
    }
}
