/// A point-in-time view of one torrent for the API, the UI and `rill fetch` progress lines.
public struct TorrentSnapshot: Sendable, Equatable, Codable {
    public var infoHash: String
    public var name: String
    public var state: TorrentState
    public var error: String?
    public var totalBytes: Int64
    /// Bytes of wanted pieces verified.
    public var verifiedBytes: Int64
    /// Bytes of wanted pieces in all.
    public var wantedBytes: Int64
    public var downloadedBytes: Int64
    public var uploadedBytes: Int64
    public var downloadRate: Int64
    public var uploadRate: Int64
    public var peers: Int
    public var knownPeers: Int
    public var pieces: Int
    public var piecesVerified: Int
    public var hashFailures: Int
    public var savePath: String
    /// Fetched only where read (the stream cache); otherwise kept whole.
    public var streamOnly: Bool = false
    /// Bytes of all verified pieces, wanted or not: what the torrent holds on disk.
    public var verifiedPieceBytes: Int64 = 0

    /// 0...1 of the wanted bytes.
    public var progress: Double { wantedBytes > 0 ? Double(verifiedBytes) / Double(wantedBytes) : 0 }
}

/// One peer of a torrent, for the detail API.
public struct PeerSnapshot: Sendable, Equatable, Codable {
    public var address: String
    public var client: String?
    public var isOutgoing: Bool
    public var downloadRate: Int64
    public var uploadRate: Int64
    public var downloaded: Int64
    public var uploaded: Int64
    public var piecesHave: Int
    public var amChoking: Bool
    public var amInterested: Bool
    public var peerChoking: Bool
    public var peerInterested: Bool
    public var outstandingRequests: Int
}
