import FoundationEssentials

/// What the API shows about one tracker of one torrent.
public struct TrackerStatus: Sendable, Hashable {
    /// Where the tracker stands.
    public enum State: Sendable, Hashable {
        /// Not contacted yet (or the torrent is stopped).
        case idle
        /// An announce is in flight.
        case announcing
        /// The last announce to it succeeded.
        case working
        /// The last announce to it failed, with the reason (see ``TrackerError/Reason/summary``).
        case error(String)
    }

    public var url: String
    /// The BEP 12 tier (0 is tried first).
    public var tier: Int
    public var state: State
    /// When the last announce to it finished (either way).
    public var lastAnnounce: Date?
    /// When the next round of announces starts; `nil` while stopped.
    public var nextAnnounce: Date?
    /// Peers in its last successful answer.
    public var lastPeerCount: Int?
    public var seeders: Int?
    public var leechers: Int?
    /// The tracker's last `warning message`.
    public var warningMessage: String?

    public init(url: String, tier: Int) {
        self.url = url
        self.tier = tier
        self.state = .idle
    }
}
