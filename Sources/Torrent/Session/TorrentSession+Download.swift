import Logging
import NIOCore
import NIOPosix

/// Requesting blocks, receiving them, writing them and verifying pieces.
extension TorrentSession {
    /// Tops up `peer`'s request pipeline to its depth with blocks from the picker.
    func fillRequests(_ peer: PeerConnection) {
        guard state == .downloading, !peer.peerChoking, peer.amInterested, let has = peer.has, !readingPaused,
              picker != nil else { return }
        var room = peer.depth - peer.outstanding.count
        guard room > 0, room >= min(8, peer.depth / 4) || peer.outstanding.isEmpty else { return }
        let limited = downloadLimit.isLimited || directory.downloadLimit.isLimited
        if limited {
            // A request is a promise of a block: spend the rate budget when asking, not when it arrives.
            var affordable = 0
            while affordable < room, takeBoth(BlockRequest.standardLength, &downloadLimit, &directory.downloadLimit) { affordable += 1 }
            if affordable == 0 { return wakeWhenThrottled(for: BlockRequest.standardLength) }
            room = affordable
        }
        // Picked through the optional in place: a local copy would make every pick copy the picker's arrays.
        let blocks = picker?.pick(for: peer.key, peerHas: has, count: room, outstanding: peer.outstanding) ?? []
        if limited, blocks.count < room {
            let unused = (room - blocks.count) * BlockRequest.standardLength
            downloadLimit.giveBack(unused)
            directory.downloadLimit.giveBack(unused)
        }
        guard !blocks.isEmpty else {
            if peer.outstanding.isEmpty { updateInterest(peer) }
            return
        }
        let now = NIODeadline.now()
        peer.latency.sent(blocks[0], at: now, queueWasEmpty: peer.outstanding.isEmpty)
        if peer.outstanding.isEmpty { peer.lastBlockAt = now }
        var buffer = peer.allocator.buffer(capacity: blocks.count * 17)
        for block in blocks {
            peer.outstanding.insert(block)
            PeerMessage.request(block).write(into: &buffer)
        }
        peer.write(buffer)
    }

    func receivedBlock(_ block: BlockRequest, data: ByteBuffer, from peer: PeerConnection) {
        guard state == .downloading || state == .seeding, picker != nil, let storage else { return }
        let wasRequested = peer.outstanding.remove(block) != nil
        peer.lastBlockAt = .now()
        peer.latency.arrived(block, at: peer.lastBlockAt)
        guard let arrival = picker?.received(block, from: peer.key) else { return }
        switch arrival {
        case .unexpected:
            // Unrequested data is dropped, not written; only blocks we never asked for (nor cancelled) count, and
            // only a peer whose data is mostly such blocks is cut off (late answers to requests we gave up on are
            // normal in any busy swarm).
            if !wasRequested, peer.recentlyCancelled.remove(block) == nil { peer.unexpectedBlocks += 1 }
            if peer.unexpectedBlocks > 64, peer.unexpectedBlocks > peer.expectedBlocks / 4 {
                peerMisbehaved(peer, "sends blocks nobody asked for")
            }
            return
        case .duplicate:
            return
        case .accepted(let pieceComplete):
            peer.expectedBlocks += 1
            peer.download.add(block.length)
            download.add(block.length)
            cancelDuplicates(of: block, except: peer)
            // The block is a slice of a receive buffer up to four times its size; a copy of exactly its bytes
            // lets that buffer go now, so the write budget bounds the memory held for the disk exactly.
            var copy = peer.allocator.buffer(capacity: data.readableBytes)
            copy.writeImmutableBuffer(data)
            write(block, data: copy, to: storage)
            if pieceComplete { awaitingWrites.insert(block.piece) }
            hashIfWritten(block.piece)
        }
    }

    /// In end-game, and for a piece past its deadline, the same block may be requested from several peers: once
    /// it arrives, cancel the others.
    private func cancelDuplicates(of block: BlockRequest, except sender: PeerConnection) {
        guard let picker, picker.isEndGame || picker.hasDeadline(block.piece) else { return }
        for other in peers.values where other !== sender && other.outstanding.contains(block) {
            cancel(block, on: other)
        }
    }

    /// Withdraws an outstanding request: the block goes back to the picker, the peer is told, and the block is
    /// remembered so that, if it was already on its way, it is not held against the peer.
    func cancel(_ block: BlockRequest, on peer: PeerConnection) {
        guard peer.outstanding.remove(block) != nil else { return }
        picker?.returned(block)
        peer.latency.withdrawn(block)
        peer.send(.cancel(block))
        peer.rememberCancelled(block)
    }

    private func write(_ block: BlockRequest, data: ByteBuffer, to storage: PieceStorage) {
        pendingWrites[block.piece, default: 0] += 1
        pendingWriteBytes += data.readableBytes
        if pendingWriteBytes > configuration.maxPendingWriteBytes, !readingPaused { setReading(false) }
        directory.disk.runIfActive(eventLoop: loop) {
            try storage.write(piece: block.piece, begin: block.begin, data: data)
        }.assumeIsolated().whenComplete { [self] result in
            pendingWriteBytes -= data.readableBytes
            pendingWrites[block.piece, default: 1] -= 1
            if pendingWrites[block.piece] == 0 { pendingWrites[block.piece] = nil }
            if readingPaused, pendingWriteBytes <= configuration.maxPendingWriteBytes / 2 { setReading(true) }
            if case .failure(let error) = result { return fail("cannot write: \(error)") }
            hashIfWritten(block.piece)
        }
    }

    private func setReading(_ on: Bool) {
        readingPaused = !on
        for peer in peers.values { peer.setReading(on) }
        if on { for peer in peers.values { fillRequests(peer); peer.flush() } }
    }

    /// Hashes a piece once all its blocks have arrived and are on disk.
    private func hashIfWritten(_ piece: Int) {
        guard awaitingWrites.contains(piece), pendingWrites[piece] == nil, let storage, let info else { return }
        awaitingWrites.remove(piece)
        let length = info.length(ofPiece: piece)
        let expected = Array(info.hash(ofPiece: piece))
        directory.disk.runIfActive(eventLoop: loop) {
            try storage.hash(piece: piece, length: length) == expected
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(true): pieceVerified(piece)
            case .success(false): pieceFailed(piece)
            case .failure(let error): fail("cannot read back piece \(piece): \(error)")
            }
        }
    }

    private func pieceVerified(_ piece: Int) {
        guard !isStopped else { return }
        picker?.verified(piece)
        resumeDirty = true
        for peer in peers.values {
            if peer.has?[piece] != true { peer.send(.have(piece: piece)) }
        }
        resolvePieceWaiters(piece)
        if isDone, state == .downloading { completed() }
    }

    private func pieceFailed(_ piece: Int) {
        guard let contributors = picker?.failed(piece) else { return }
        hashFailures += 1
        logger.warning("piece failed its hash check", metadata: ["piece": "\(piece)", "peers": "\(contributors.count)"])
        for key in contributors {
            guard let peer = peers[key] else { continue }
            peer.hashFailures += 1
            // A peer that sent a whole bad piece alone, or took part in several, is lying: ban it.
            if contributors.count == 1 || peer.hashFailures >= 3 { ban(peer, reason: "sent data that failed the hash check") }
        }
    }

    private func completed() {
        state = .seeding
        logger.info("download complete", metadata: ["name": "\(name)"])
        for peer in peers.values {
            returnRequests(of: peer)
            if peer.amInterested { setInterested(false, peer) }
            peer.flush()
        }
        writeResume(force: true) {}
        refreshAnnounceProgress()
        announcer?.markCompleted()
        notifyCompletion(nil)
    }
}
