/// A tracker's successful answer to an announce.
///
/// Contract: ``peers`` holds IPv4 and IPv6 addresses in the order the tracker gave them (IPv4 first when both
/// `peers` and `peers6` came), without port-0 entries and without duplicates. The announcing client's own
/// address may be among them (opentracker does that); the session filters it.
public struct AnnounceResponse: Sendable, Hashable {
    /// How long to wait before the next regular announce.
    public var interval: Duration
    /// The shortest wait the tracker allows between announces, when it said.
    public var minInterval: Duration?
    public var peers: [PeerAddress]
    /// Seeders (`complete`, BEP 15 "seeders"), when the tracker said.
    public var complete: Int?
    /// Leechers (`incomplete`, BEP 15 "leechers"), when the tracker said.
    public var incomplete: Int?
    /// `warning message`: the announce worked, but the tracker wants the user to know something.
    public var warningMessage: String?
    /// `tracker id`: to be sent back as `trackerid` on the next announce.
    public var trackerID: [UInt8]?

    public init(
        interval: Duration,
        minInterval: Duration? = nil,
        peers: [PeerAddress] = [],
        complete: Int? = nil,
        incomplete: Int? = nil,
        warningMessage: String? = nil,
        trackerID: [UInt8]? = nil
    ) {
        self.interval = interval
        self.minInterval = minInterval
        self.peers = peers
        self.complete = complete
        self.incomplete = incomplete
        self.warningMessage = warningMessage
        self.trackerID = trackerID
    }
}
