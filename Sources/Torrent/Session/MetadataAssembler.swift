/// Collects the 16 KiB pieces of a torrent's `info` dictionary from peers (BEP 9) until all are in.
struct MetadataAssembler {
    let size: Int
    private var pieces: [[UInt8]?]
    /// When each piece was last asked for, so slow peers do not hold it forever.
    var requestedAt: [Int: UInt64] = [:]

    init(size: Int) {
        self.size = size
        pieces = Array(repeating: nil, count: (size + MetadataMessage.pieceSize - 1) / MetadataMessage.pieceSize)
    }

    var pieceCount: Int { pieces.count }

    func expectedLength(ofPiece index: Int) -> Int {
        min(MetadataMessage.pieceSize, size - index * MetadataMessage.pieceSize)
    }

    /// Stores a piece; `false` when its index or length is wrong.
    mutating func add(piece index: Int, bytes: [UInt8]) -> Bool {
        guard index >= 0, index < pieces.count, bytes.count == expectedLength(ofPiece: index) else { return false }
        pieces[index] = bytes
        requestedAt[index] = nil
        return true
    }

    var missing: [Int] { pieces.indices.filter { pieces[$0] == nil } }

    var isComplete: Bool { pieces.allSatisfy { $0 != nil } }

    var bytes: [UInt8] { pieces.flatMap { $0 ?? [] } }
}
