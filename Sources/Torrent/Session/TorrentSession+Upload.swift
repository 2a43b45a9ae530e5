import Logging
import NIOCore
import NIOPosix

/// Serving blocks to peers and deciding whom to serve (choking, BEP 3 tit-for-tat with an optimistic slot).
extension TorrentSession {
    func receivedRequest(_ block: BlockRequest, from peer: PeerConnection) {
        guard let picker, let info else { return }
        guard block.piece >= 0, block.piece < picker.pieceCount, block.begin >= 0, block.length > 0,
              block.length <= 128 * 1024, block.begin + block.length <= info.length(ofPiece: block.piece) else {
            return peerMisbehaved(peer, "a request past the end: \(block)")
        }
        guard !peer.amChoking, picker.have[block.piece], !evicting.contains(block.piece) else {
            if peer.supportsFast { peer.send(.reject(block)) }
            return
        }
        guard peer.peerRequests.count < configuration.maxPeerRequests else {
            if peer.supportsFast { peer.send(.reject(block)) }
            return
        }
        peer.peerRequests.append(block)
        serveRequests(of: peer)
    }

    /// Reads requested blocks off disk (a few at a time per peer) and sends them while the socket takes them.
    func serveRequests(of peer: PeerConnection) {
        guard let storage else { return }
        while peer.readsInFlight < 4, !peer.peerRequests.isEmpty, peer.isWritable, !peer.amChoking {
            guard takeBoth(peer.peerRequests[0].length, &uploadLimit, &directory.uploadLimit) else {
                return wakeWhenThrottled(for: peer.peerRequests[0].length)
            }
            let block = peer.peerRequests.removeFirst()
            guard isReadable(block.piece) else {  // evicted since it was asked for
                if peer.supportsFast { peer.send(.reject(block)) }
                continue
            }
            peer.readsInFlight += 1
            pieceReads[block.piece, default: 0] += 1
            let allocator = peer.allocator
            directory.disk.runIfActive(eventLoop: loop) {
                try storage.read(piece: block.piece, begin: block.begin, length: block.length, allocator: allocator)
            }.assumeIsolated().whenComplete { [self] result in
                peer.readsInFlight -= 1
                endRead(of: block.piece)
                guard !peer.isClosed else { return }
                switch result {
                case .success(let data):
                    guard !peer.amChoking else { break }
                    peer.sendPiece(block, data: data)
                    upload.add(block.length)
                    peer.flush()
                case .failure(let error):
                    logger.warning("cannot read a block to upload", metadata: ["error": "\(error)"])
                    if peer.supportsFast { peer.send(.reject(block)); peer.flush() }
                }
                serveRequests(of: peer)
            }
        }
    }

    /// A peer became interested: unchoke it at once when a slot is free instead of waiting for the next round.
    func unchokeIfRoom(_ peer: PeerConnection) {
        guard peer.amChoking, picker != nil else { return }
        let unchoked = peers.values.filter { !$0.amChoking }.count
        if unchoked < configuration.uploadSlots + 1 { setChoking(false, peer) }
    }

    /// Every 10 s: the interested peers that gave us the most (or, seeding, took the most) keep their slots;
    /// one more slot rotates every 30 s to give newcomers a chance.
    func rechoke(rotateOptimistic: Bool) {
        guard picker != nil else { return }
        let seeding = state == .seeding
        let interested = peers.values.filter(\.peerInterested).sorted {
            seeding ? $0.upload.rate > $1.upload.rate : $0.download.rate > $1.download.rate
        }
        var unchoke = Set(interested.prefix(configuration.uploadSlots).map(\.key))
        if rotateOptimistic || optimisticPeer.flatMap({ peers[$0] }) == nil {
            optimisticPeer = interested.filter { !unchoke.contains($0.key) }.randomElement()?.key
        }
        if let optimisticPeer { unchoke.insert(optimisticPeer) }
        for peer in peers.values {
            let choke = !unchoke.contains(peer.key)
            if choke != peer.amChoking { setChoking(choke, peer) }
        }
    }

    func setChoking(_ choke: Bool, _ peer: PeerConnection) {
        peer.amChoking = choke
        peer.send(choke ? .choke : .unchoke)
        if choke {
            if peer.supportsFast { for block in peer.peerRequests { peer.send(.reject(block)) } }
            peer.peerRequests.removeAll()
        }
        peer.flush()
    }

    /// A transfer waits for the rate limit: try again (every peer) once enough budget has come back.
    func wakeWhenThrottled(for bytes: Int) {
        guard !throttleWakeScheduled else { return }
        throttleWakeScheduled = true
        let wait = max(downloadLimit.wait(for: bytes), uploadLimit.wait(for: bytes), .milliseconds(5))
        loop.assumeIsolated().scheduleTask(in: min(wait, .milliseconds(200))) { [weak self] in
            guard let self, !self.isStopped else { return }
            self.throttleWakeScheduled = false
            for peer in self.peers.values {
                self.fillRequests(peer)
                self.serveRequests(of: peer)
                peer.flush()
            }
        }
    }

    /// Sets this torrent's own limits in bytes per second (0 = none); the engine's limits apply as well.
    func setRateLimits(download: Int, upload: Int) {
        downloadLimit.setRate(download)
        uploadLimit.setRate(upload)
    }
}
