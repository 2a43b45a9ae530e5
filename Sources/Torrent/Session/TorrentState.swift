/// Where a torrent is in its life, as the API and UI show it.
public enum TorrentState: String, Sendable, Codable {
    /// A magnet whose `info` dictionary is being fetched from peers (BEP 9).
    case fetchingMetadata = "fetching_metadata"
    /// Existing data is being hashed to see what is already here.
    case checking
    case downloading
    /// Every wanted piece is verified; uploading to others.
    case seeding
    case paused
    /// Stopped by an error (disk full, permission denied); the message says which.
    case failed
}
