/// The blocks of one piece being downloaded: which are requested (and how often, in end-game), which arrived,
/// and from whom — so a piece that fails its hash can be blamed on the peers that sent it.
struct PieceProgress {
    let blockCount: Int
    /// Outstanding requests per block (more than one only in end-game).
    var requests: [UInt8]
    var received: Bitfield
    /// Blocks neither received nor requested from anyone.
    var unrequested: Int
    var contributors: Set<PeerKey> = []

    init(blockCount: Int) {
        self.blockCount = blockCount
        requests = Array(repeating: 0, count: blockCount)
        received = Bitfield(count: blockCount)
        unrequested = blockCount
    }

    var isComplete: Bool { received.isFull }
}

/// Identifies one peer connection inside a session.
public typealias PeerKey = Int
