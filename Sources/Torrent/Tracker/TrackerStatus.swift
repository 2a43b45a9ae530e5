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

/// A tracker's status in the JSON the API sends: states as words, times as Unix seconds.
public struct TrackerSnapshot: Sendable, Equatable, Codable {
    public var url: String
    public var tier: Int
    /// `idle`, `announcing`, `working` or `error`.
    public var state: String
    public var message: String?
    public var lastAnnounce: Int64?
    public var nextAnnounce: Int64?
    public var peers: Int?
    public var seeders: Int?
    public var leechers: Int?

    public init(_ status: TrackerStatus) {
        url = status.url
        tier = status.tier
        switch status.state {
        case .idle: state = "idle"
        case .announcing: state = "announcing"
        case .working: state = "working"
        case .error(let reason): (state, message) = ("error", reason)
        }
        if message == nil { message = status.warningMessage }
        lastAnnounce = status.lastAnnounce.map { Int64($0.timeIntervalSince1970) }
        nextAnnounce = status.nextAnnounce.map { Int64($0.timeIntervalSince1970) }
        peers = status.lastPeerCount
        seeders = status.seeders
        leechers = status.leechers
    }
}
