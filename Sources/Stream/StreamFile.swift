import Torrent

/// One file of a torrent as a stream: where its bytes lie in the torrent and how they map onto pieces.
public struct StreamFile: Sendable, Hashable {
    public let infoHash: InfoHash
    public let index: Int
    /// The file's path inside the torrent (`folder/name.mkv`).
    public let path: String
    public let length: Int64
    /// Offset of the file's first byte in the torrent.
    public let offset: Int64
    public let pieceLength: Int
    public let torrentLength: Int64

    public init(infoHash: InfoHash, index: Int, info: TorrentInfo) throws(StreamError) {
        guard index >= 0, index < info.files.count, !info.files[index].isPadding else { throw .noSuchFile(index) }
        let file = info.files[index]
        self.infoHash = infoHash
        self.index = index
        self.path = FileLayout(info: info).relativePaths[index]
        self.length = file.length
        self.offset = file.offset
        self.pieceLength = info.pieceLength
        self.torrentLength = info.totalLength
    }

    /// The file's name (last path component).
    public var name: String { String(path.split(separator: "/").last ?? Substring(path)) }

    /// The piece holding byte `position` of the file.
    public func piece(at position: Int64) -> Int { Int((offset + position) / Int64(pieceLength)) }

    /// The pieces holding file bytes `range` (empty for an empty range).
    public func pieces(covering range: Range<Int64>) -> ClosedRange<Int>? {
        guard !range.isEmpty else { return nil }
        return piece(at: range.lowerBound)...piece(at: range.upperBound - 1)
    }

    /// Where piece `piece` starts, as a file position (negative when it starts before the file).
    public func position(ofPiece piece: Int) -> Int64 { Int64(piece) * Int64(pieceLength) - offset }

    /// Length of piece `piece` (the last one may be short).
    public func length(ofPiece piece: Int) -> Int {
        Int(min(Int64(pieceLength), torrentLength - Int64(piece) * Int64(pieceLength)))
    }

    /// A video or audio container whose index may sit at its end.
    public var isMedia: Bool { MediaType.of(path).hasPrefix("video/") || MediaType.of(path).hasPrefix("audio/") }
}
