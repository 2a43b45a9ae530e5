/// Chooses which blocks to request from which peer (BEP 3 practice): pieces with a deadline first (the
/// streaming hook), then partly downloaded pieces, then new pieces — random for the first few so there is
/// soon something to trade, rarest first after that — and in end-game the same missing blocks from several
/// peers. Knows nothing about sockets: the session tells it what peers have and what arrived.
///
/// Contract: a piece is "wanted" when its priority is not `skip` and it is not verified. Blocks are handed out
/// at most once outside end-game; every handed-out block must come back through ``received(_:from:)`` or
/// ``returned(_:)``. All state is per torrent and lives on the session's event loop.
public struct PiecePicker {
    public let pieceCount: Int
    public let pieceLength: Int
    public let totalLength: Int64
    public private(set) var have: Bitfield
    private(set) var availability: [Int32]
    private(set) var priorities: [PiecePriority]
    private var deadlines: [Int: ContinuousClock.Instant] = [:]
    private(set) var downloading: [Int: PieceProgress] = [:]
    /// Pieces whose blocks have all arrived and are being hashed.
    private(set) var verifying: Set<Int> = []
    /// Wanted pieces that are neither downloading nor verifying nor verified.
    private var unstartedWanted = 0
    /// Below this many verified pieces, new pieces are picked at random rather than rarest first.
    public var randomFirstThreshold = 4
    /// In end-game, how many peers may be asked for the same block at once.
    public var endGameDuplicates: UInt8 = 2
    /// How many peers may be asked at once for a block of a piece past its deadline (a reader is waiting for it).
    /// Rate-limited peers send in bursts (libtorrent hands out upload quota per tick, every half second), so a
    /// block asked of one peer may wait for that peer's next burst; asked of another that has nothing in flight —
    /// it answered its share, so it has quota — it comes from the first, and the other requests are cancelled when
    /// it arrives. A peer still busy with requests is never asked: it would only send the copy after its queue,
    /// spending quota the other blocks need (when every peer is slow, duplicates make every seek slower).
    public var timeCriticalDuplicates: UInt8 = 3
    /// How late a piece must be before its blocks are asked of more peers: about the time one piece takes when
    /// its blocks are spread over a few peers, so a seek does not at once ask every peer for the whole piece.
    public var timeCriticalGrace: Duration = .milliseconds(150)
    /// Whether end-game duplicates are asked for at all. Off for stream-only torrents, whose wanted pieces are
    /// only the readers' windows: "everything requested" is their normal state, and only pieces past their
    /// deadline are worth asking twice.
    public var allowsEndGame = true
    private var random: PickerRandom

    public init(pieceCount: Int, pieceLength: Int, totalLength: Int64, have: Bitfield? = nil, seed: UInt64? = nil) {
        self.pieceCount = pieceCount
        self.pieceLength = pieceLength
        self.totalLength = totalLength
        self.have = have ?? Bitfield(count: pieceCount)
        availability = Array(repeating: 0, count: pieceCount)
        priorities = Array(repeating: .normal, count: pieceCount)
        random = PickerRandom(seed: seed ?? UInt64.random(in: 1...UInt64.max))
        recountUnstarted()
    }

    // MARK: - What the swarm has

    public mutating func peerHas(_ bitfield: Bitfield) {
        for piece in bitfield.indices { availability[piece] += 1 }
    }

    public mutating func peerHas(piece: Int) { availability[piece] += 1 }

    public mutating func peerGone(with bitfield: Bitfield) {
        for piece in bitfield.indices { availability[piece] = max(0, availability[piece] - 1) }
    }

    // MARK: - What we want

    /// Sets the priority of every piece; recounts what is left to start.
    public mutating func setPriorities(_ new: [PiecePriority]) {
        precondition(new.count == pieceCount)
        priorities = new
        recountUnstarted()
    }

    public func priority(ofPiece piece: Int) -> PiecePriority { priorities[piece] }

    /// The streaming hook: these pieces are requested ahead of everything without an earlier deadline, even
    /// when their priority is `skip` (a reader needs them). Replaces the earlier deadlines; out-of-range
    /// pieces are ignored.
    public mutating func setDeadlines(_ list: [(piece: Int, deadline: ContinuousClock.Instant)]) {
        deadlines.removeAll(keepingCapacity: true)
        for (piece, deadline) in list where piece >= 0 && piece < pieceCount {
            deadlines[piece] = min(deadline, deadlines[piece] ?? deadline)
        }
        recountUnstarted()
    }

    /// Pieces that have a deadline and are not verified yet.
    public var pendingDeadlines: Int { deadlines.keys.count { !have[$0] } }

    /// Wanted: not verified, and either not skipped or needed by a reader (it has a deadline).
    public func isWanted(_ piece: Int) -> Bool {
        !have[piece] && (priorities[piece] != .skip || deadlines[piece] != nil)
    }

    /// Forgets a verified piece (the stream cache evicted it from the disk): it is wanted again if its priority
    /// or a deadline asks for it.
    public mutating func unhave(_ piece: Int) {
        guard piece >= 0, piece < pieceCount, have.remove(piece) else { return }
        if isWanted(piece), downloading[piece] == nil, !verifying.contains(piece) { unstartedWanted += 1 }
    }

    /// Bytes of all pieces not verified, wanted or not (what a tracker's `left` means for a torrent that is
    /// fetched only where it is read).
    public var bytesMissing: Int64 {
        var missing: Int64 = 0
        for piece in 0..<pieceCount where !have[piece] { missing += Int64(length(ofPiece: piece)) }
        return missing
    }

    /// Every wanted piece is requested or done: missing blocks may be asked of several peers.
    public var isEndGame: Bool { unstartedWanted == 0 }

    /// All wanted pieces are verified.
    public var isComplete: Bool { unstartedWanted == 0 && downloading.isEmpty && verifying.isEmpty }

    /// Bytes of wanted pieces not yet verified.
    public var bytesLeft: Int64 {
        var left: Int64 = 0
        for piece in 0..<pieceCount where isWanted(piece) { left += Int64(length(ofPiece: piece)) }
        return left
    }

    public func length(ofPiece piece: Int) -> Int {
        Int(min(Int64(pieceLength), totalLength - Int64(piece) * Int64(pieceLength)))
    }

    func blockCount(ofPiece piece: Int) -> Int {
        (length(ofPiece: piece) + BlockRequest.standardLength - 1) / BlockRequest.standardLength
    }

    /// Block `index` of a piece `pieceLength` bytes long.
    static func block(_ index: Int, ofPiece piece: Int, pieceLength: Int) -> BlockRequest {
        let begin = index * BlockRequest.standardLength
        return BlockRequest(piece: piece, begin: begin, length: min(BlockRequest.standardLength, pieceLength - begin))
    }

    // MARK: - Picking

    /// Up to `count` blocks to request from a peer that has `peerHas`, excluding blocks it already has
    /// outstanding (`outstanding`). Marks them requested.
    public mutating func pick(
        for peer: PeerKey, peerHas: Bitfield, count: Int, outstanding: Set<BlockRequest>
    ) -> [BlockRequest] {
        var picked: [BlockRequest] = []
        guard count > 0 else { return picked }

        // 1. Deadlines, earliest first. A piece due within a second is spread over the peers that have it (each
        //    takes its share of the blocks, so the piece comes at the swarm's rate rather than one peer's), and a
        //    piece past its deadline is asked of this peer too (time-critical).
        if !deadlines.isEmpty {
            let now = ContinuousClock.now
            for (piece, deadline) in deadlines.sorted(by: { $0.value < $1.value }) where picked.count < count {
                guard peerHas[piece], isWanted(piece), !verifying.contains(piece) else { continue }
                if downloading[piece] == nil { start(piece) }
                var limit = count, share = count
                if deadline < now + .seconds(1) {
                    share = (blockCount(ofPiece: piece) + Int(max(1, availability[piece])) - 1) / Int(max(1, availability[piece]))
                    limit = min(count, picked.count + share + 1)
                }
                takeUnrequested(from: piece, into: &picked, limit: limit)
                if deadline < now - timeCriticalGrace, outstanding.isEmpty {
                    let duplicates = min(count, picked.count + share)
                    takeDuplicates(of: piece, outstanding: outstanding, into: &picked, limit: duplicates, askers: timeCriticalDuplicates)
                }
            }
        }
        // 2. Pieces already under way, the most advanced first.
        if picked.count < count, !downloading.isEmpty {
            let urgent = ContinuousClock.now + .seconds(1)
            let partial = downloading.filter { $0.value.unrequested > 0 && peerHas[$0.key] && !(deadlines[$0.key].map { $0 < urgent } ?? false) }
                .sorted { ($0.value.blockCount - $0.value.unrequested, $1.key) > ($1.value.blockCount - $1.value.unrequested, $0.key) }
            for (piece, _) in partial where picked.count < count {
                takeUnrequested(from: piece, into: &picked, limit: count)
            }
        }
        // 3. New pieces.
        while picked.count < count, unstartedWanted > 0, let piece = newPiece(peerHas: peerHas) {
            start(piece)
            takeUnrequested(from: piece, into: &picked, limit: count)
        }
        // 4. End-game: everything is requested; ask this peer too for blocks still missing.
        if picked.count < count, unstartedWanted == 0, allowsEndGame {
            takeEndGame(peerHas: peerHas, outstanding: outstanding, into: &picked, limit: count)
        }
        return picked
    }

    private mutating func start(_ piece: Int) {
        downloading[piece] = PieceProgress(blockCount: blockCount(ofPiece: piece))
        unstartedWanted -= 1
    }

    /// Runs `body` on the progress of `piece` in place (no copy of its arrays); `nil` when it is not downloading.
    private mutating func withProgress<T>(of piece: Int, _ body: (inout PieceProgress) -> T) -> T? {
        guard let position = downloading.index(forKey: piece) else { return nil }
        return body(&downloading.values[position])
    }

    private mutating func takeUnrequested(from piece: Int, into picked: inout [BlockRequest], limit: Int) {
        let length = length(ofPiece: piece)
        withProgress(of: piece) { progress in
            for index in 0..<progress.blockCount where picked.count < limit && progress.unrequested > 0 {
                guard progress.requests[index] == 0, !progress.received[index] else { continue }
                progress.requests[index] = 1
                progress.unrequested -= 1
                picked.append(Self.block(index, ofPiece: piece, pieceLength: length))
            }
        }
    }

    private mutating func takeEndGame(
        peerHas: Bitfield, outstanding: Set<BlockRequest>, into picked: inout [BlockRequest], limit: Int
    ) {
        for piece in downloading.keys.sorted() where picked.count < limit && peerHas[piece] && isWanted(piece) {
            takeDuplicates(of: piece, outstanding: outstanding, into: &picked, limit: limit, askers: endGameDuplicates)
        }
    }

    /// Blocks of `piece` not yet received and asked of fewer than `askers` peers, those asked of the fewest
    /// first (so that several peers duplicating a piece take different blocks), except those this peer has
    /// outstanding already.
    private mutating func takeDuplicates(
        of piece: Int, outstanding: Set<BlockRequest>, into picked: inout [BlockRequest], limit: Int, askers: UInt8
    ) {
        let length = length(ofPiece: piece)
        withProgress(of: piece) { progress in
            for level in 0..<askers where picked.count < limit {
                for index in 0..<progress.blockCount where picked.count < limit {
                    guard !progress.received[index], progress.requests[index] == level else { continue }
                    let candidate = Self.block(index, ofPiece: piece, pieceLength: length)
                    guard !outstanding.contains(candidate), !picked.contains(candidate) else { continue }
                    if level == 0 { progress.unrequested -= 1 }
                    progress.requests[index] += 1
                    picked.append(candidate)
                }
            }
        }
    }

    /// When the earliest deadline piece still missing becomes time-critical (its deadline plus
    /// ``timeCriticalGrace``): from then on it is asked of more peers. `nil` when no deadline piece is missing.
    public var nextTimeCritical: ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        for (piece, deadline) in deadlines where isWanted(piece) && !verifying.contains(piece) {
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest.map { $0 + timeCriticalGrace }
    }

    /// Whether `piece` has a deadline (a reader needs it).
    public func hasDeadline(_ piece: Int) -> Bool { deadlines[piece] != nil }

    /// The pieces that have a deadline, in no order.
    public var deadlinePieces: Dictionary<Int, ContinuousClock.Instant>.Keys { deadlines.keys }

    /// Blocks of `piece` nobody has been asked for: all of them when it is not started, none when verified.
    public func unrequestedBlocks(ofPiece piece: Int) -> Int {
        if have[piece] || verifying.contains(piece) { return 0 }
        return downloading[piece]?.unrequested ?? blockCount(ofPiece: piece)
    }

    /// A wanted, unstarted piece the peer has: random while we have few pieces, then highest priority and
    /// rarest, ties broken by a random starting point.
    private mutating func newPiece(peerHas: Bitfield) -> Int? {
        let offset = Int(random.next() % UInt64(pieceCount))
        var best: Int?
        var bestKey: (PiecePriority, Int32) = (.skip, 0)
        for step in 0..<pieceCount {
            let piece = (offset + step) % pieceCount
            guard peerHas[piece], isWanted(piece), downloading[piece] == nil, !verifying.contains(piece) else { continue }
            if have.setCount < randomFirstThreshold { return piece }
            let key = (priorities[piece], availability[piece])
            if best == nil || key.0 > bestKey.0 || (key.0 == bestKey.0 && key.1 < bestKey.1) {
                best = piece
                bestKey = key
            }
        }
        return best
    }

    // MARK: - Results

    /// What became of a block that arrived.
    public enum Arrival: Equatable, Sendable {
        /// New data; `pieceComplete` when it was the piece's last missing block (hash it now).
        case accepted(pieceComplete: Bool)
        /// Already received (end-game duplicate): drop it.
        case duplicate
        /// Not for a piece being downloaded, or not a block boundary: drop it (and count it against the peer).
        case unexpected
    }

    public mutating func received(_ block: BlockRequest, from peer: PeerKey) -> Arrival {
        guard block.begin % BlockRequest.standardLength == 0 else { return .unexpected }
        let index = block.begin / BlockRequest.standardLength
        let length = length(ofPiece: block.piece)
        let arrival = withProgress(of: block.piece) { progress -> Arrival in
            guard index < progress.blockCount, Self.block(index, ofPiece: block.piece, pieceLength: length).length == block.length else {
                return .unexpected
            }
            let wasRequested = progress.requests[index] > 0
            if wasRequested { progress.requests[index] -= 1 }
            guard progress.received.insert(index) else { return .duplicate }
            if !wasRequested { progress.unrequested -= 1 }  // a late answer to a request we had given up on
            progress.contributors.insert(peer)
            return .accepted(pieceComplete: progress.isComplete)
        } ?? .unexpected
        if arrival == .accepted(pieceComplete: true), let progress = downloading.removeValue(forKey: block.piece) {
            verifying.insert(block.piece)
            contributorsOfVerifying[block.piece] = progress.contributors
        }
        return arrival
    }

    /// A request that will not be answered (rejected, choked, peer gone): its block may be handed out again.
    public mutating func returned(_ block: BlockRequest) {
        let index = block.begin / BlockRequest.standardLength
        withProgress(of: block.piece) { progress in
            guard index < progress.blockCount, progress.requests[index] > 0 else { return }
            progress.requests[index] -= 1
            if progress.requests[index] == 0, !progress.received[index] { progress.unrequested += 1 }
        }
    }

    private var contributorsOfVerifying: [Int: Set<PeerKey>] = [:]

    /// The piece's hash matched: it is ours.
    public mutating func verified(_ piece: Int) {
        verifying.remove(piece)
        contributorsOfVerifying[piece] = nil
        have.insert(piece)
    }

    /// The piece's hash did not match: it will be downloaded again. Returns the peers that sent its blocks.
    public mutating func failed(_ piece: Int) -> Set<PeerKey> {
        verifying.remove(piece)
        if isWanted(piece) { unstartedWanted += 1 }
        return contributorsOfVerifying.removeValue(forKey: piece) ?? []
    }

    /// Marks pieces found on disk (resume, re-check) as ours before any download.
    public mutating func markHave(_ pieces: Bitfield) {
        for piece in pieces.indices { have.insert(piece) }
        recountUnstarted()
    }

    private mutating func recountUnstarted() {
        var count = 0
        for piece in 0..<pieceCount where isWanted(piece) && downloading[piece] == nil && !verifying.contains(piece) {
            count += 1
        }
        unstartedWanted = count
    }
}

/// A small fast generator for picking (SplitMix64); seeded per picker so tests can be repeatable.
struct PickerRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
