import Logging
import NIOCore
import NIOPosix

/// What each peer message does to the session.
extension TorrentSession {
    func peer(_ peer: PeerConnection, sent message: PeerMessage) {
        switch message {
        case .keepAlive, .port, .suggest, .allowedFast:
            break
        case .choke:
            peer.peerChoking = true
            returnRequests(of: peer)  // BEP 3: a choke discards them (a fast peer rejects each; same outcome)
        case .unchoke:
            peer.peerChoking = false
            fillRequests(peer)
        case .interested:
            peer.peerInterested = true
            unchokeIfRoom(peer)
        case .notInterested:
            peer.peerInterested = false
        case .have(let piece):
            receivedHave(piece, from: peer)
        case .bitfield(let bits):
            receivedBitfield(Array(bits.readableBytesView), from: peer)
        case .haveAll:
            guard peer.supportsFast else { return peerMisbehaved(peer, "have-all without the fast extension") }
            receivedHaveAll(from: peer)
        case .haveNone:
            guard peer.supportsFast else { return peerMisbehaved(peer, "have-none without the fast extension") }
            if let picker { peer.has = Bitfield(count: picker.pieceCount) }
        case .request(let block):
            receivedRequest(block, from: peer)
        case .cancel(let block):
            peer.peerRequests.removeAll { $0 == block }
        case .piece(let piece, let begin, let data):
            receivedBlock(BlockRequest(piece: piece, begin: begin, length: data.readableBytes), data: data, from: peer)
        case .reject(let block):
            guard peer.supportsFast else { return peerMisbehaved(peer, "reject without the fast extension") }
            if peer.outstanding.remove(block) != nil {
                picker?.returned(block)
                peer.latency.withdrawn(block)
            }
        case .extended(let id, let payload):
            receivedExtended(id: id, payload: payload, from: peer)
        }
    }

    /// After a batch of reads from one peer: top its request pipeline up once.
    func peerReadComplete(_ peer: PeerConnection) {
        fillRequests(peer)
    }

    func peerWritable(_ peer: PeerConnection) {
        serveRequests(of: peer)
    }

    // MARK: - Availability

    private func receivedHave(_ piece: Int, from peer: PeerConnection) {
        guard let picker else {
            if case .bitfield(var bytes) = peer.earlyAvailability, piece / 8 < bytes.count {
                bytes[piece / 8] |= 0x80 >> UInt8(piece % 8)
                peer.earlyAvailability = .bitfield(bytes)
            } else if case .none = peer.earlyAvailability, piece / 8 < maxEarlyBitfieldBytes {
                var bytes = [UInt8](repeating: 0, count: piece / 8 + 1)
                bytes[piece / 8] |= 0x80 >> UInt8(piece % 8)
                peer.earlyAvailability = .bitfield(bytes)
            }
            return
        }
        guard piece >= 0, piece < picker.pieceCount else { return peerMisbehaved(peer, "have for piece \(piece) of \(picker.pieceCount)") }
        if peer.has == nil { peer.has = Bitfield(count: picker.pieceCount) }
        if peer.has?.insert(piece) == true {
            self.picker?.peerHas(piece: piece)
            if !peer.amInterested, picker.isWanted(piece) { setInterested(true, peer) }
        }
    }

    private func receivedBitfield(_ bytes: [UInt8], from peer: PeerConnection) {
        guard let picker else {
            peer.earlyAvailability = .bitfield(Array(bytes.prefix(maxEarlyBitfieldBytes)))
            return
        }
        // BEP 3 sends the bitfield once, first; aria2 sends another one later. Taking the newer as the truth
        // costs nothing and keeps the peer.
        guard let bits = Bitfield(wire: bytes, count: picker.pieceCount) else {
            return peerMisbehaved(peer, "a bitfield of \(bytes.count) bytes for \(picker.pieceCount) pieces")
        }
        if let old = peer.has { self.picker?.peerGone(with: old) }
        peer.has = bits
        self.picker?.peerHas(bits)
        updateInterest(peer)
        closeIfBothSeeds(peer)
    }

    /// Two seeds have nothing to trade.
    private func closeIfBothSeeds(_ peer: PeerConnection) {
        if state == .seeding, picker?.have.isFull == true, peer.has?.isFull == true {
            block(peer.listenAddress, for: .seconds(600))
            peer.close(reason: "both are seeds")
        }
    }

    private func receivedHaveAll(from peer: PeerConnection) {
        guard let picker else {
            peer.earlyAvailability = .all
            return
        }
        if let old = peer.has { self.picker?.peerGone(with: old) }
        let bits = Bitfield(count: picker.pieceCount, allSet: true)
        peer.has = bits
        self.picker?.peerHas(bits)
        updateInterest(peer)
        closeIfBothSeeds(peer)
    }

    /// The most availability bytes kept per peer before the piece count is known: enough for the largest
    /// `info` dictionary we accept (20 bytes of hash per piece).
    private var maxEarlyBitfieldBytes: Int { configuration.maxMetadataSize / 20 / 8 + 1 }

    /// Availability that arrived before the metadata, applied once the piece count is known.
    func adoptEarlyAvailability(of peer: PeerConnection) {
        switch peer.earlyAvailability {
        case .none:
            if let picker { peer.has = Bitfield(count: picker.pieceCount) }
        case .all:
            receivedHaveAll(from: peer)
        case .bitfield(let bytes):
            if let picker {
                let wanted = (picker.pieceCount + 7) / 8
                let padded = Array(bytes.prefix(wanted)) + Array(repeating: 0, count: max(0, wanted - bytes.count))
                receivedBitfield(padded, from: peer)
            }
        }
        peer.earlyAvailability = .none
    }

    /// Interested when the peer has a piece we want. (Not "any piece we lack" for a stream-only torrent between
    /// reads: libtorrent disconnects an interested, unchoked peer that requests nothing — "timed out: no request".)
    func updateInterest(_ peer: PeerConnection) {
        guard let picker, let has = peer.has else { return }
        let wants = !picker.isComplete && has.indices.contains { picker.isWanted($0) }
        if wants != peer.amInterested { setInterested(wants, peer) }
    }

    func setInterested(_ interested: Bool, _ peer: PeerConnection) {
        peer.amInterested = interested
        peer.send(interested ? .interested : .notInterested)
    }
}
