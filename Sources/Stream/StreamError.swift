import Torrent

/// Why a stream cannot start or cannot go on.
public enum StreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No torrent with that info-hash.
    case noSuchTorrent
    /// No file with that index (or it is a padding file).
    case noSuchFile(Int)
    /// A magnet's metadata did not arrive in time.
    case metadataTimeout
    /// A piece did not arrive in time.
    case pieceTimeout(piece: Int)
    /// The RAM cache stayed full of chunks other readers hold.
    case cacheBusy
    /// The engine could not give the data (stopped, failed, disk error).
    case engine(String)

    public var description: String {
        switch self {
        case .noSuchTorrent: "no such torrent"
        case .noSuchFile(let index): "no file \(index) in this torrent"
        case .metadataTimeout: "the torrent's metadata did not arrive in time"
        case .pieceTimeout(let piece): "piece \(piece) did not arrive in time"
        case .cacheBusy: "the piece cache is full; try again"
        case .engine(let why): why
        }
    }
}
