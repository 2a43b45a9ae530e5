/// The `event` of an announce (BEP 3; numbered as BEP 15 numbers them).
public enum AnnounceEvent: Sendable, Hashable, CustomStringConvertible {
    /// A regular re-announce.
    case none
    /// The first announce of a started torrent.
    case started
    /// The download finished (sent once, never for a torrent that was complete when it started).
    case completed
    /// The torrent stopped; the tracker should forget this peer.
    case stopped

    /// The HTTP query value; `nil` for ``none``, which is sent as no `event` parameter at all.
    var queryValue: String? {
        switch self {
        case .none: nil
        case .started: "started"
        case .completed: "completed"
        case .stopped: "stopped"
        }
    }

    /// The BEP 15 event number.
    var udpValue: UInt32 {
        switch self {
        case .none: 0
        case .completed: 1
        case .started: 2
        case .stopped: 3
        }
    }

    public var description: String { queryValue ?? "none" }
}

/// What one announce tells a tracker about this client and one torrent.
///
/// Contract: the same request is sent over HTTP (BEP 3, BEP 23 `compact=1`) and UDP (BEP 15). No client
/// address is ever sent (`ip`, `ipv4`, `ipv6` parameters, the BEP 15 IP field is 0): the tracker sees the
/// tunnel's address, and a dropped VPN cannot leak the real one through a parameter.
public struct AnnounceRequest: Sendable, Hashable {
    public var infoHash: InfoHash
    public var peerID: PeerID
    /// The port peers should connect to.
    public var port: UInt16
    /// Bytes sent to peers since the `started` event.
    public var uploaded: Int64
    /// Bytes received from peers (verified or not) since the `started` event.
    public var downloaded: Int64
    /// Bytes still missing.
    public var left: Int64
    public var event: AnnounceEvent
    /// How many peers to ask for; negative asks for the tracker's default.
    public var numWant: Int
    /// A random value fixed for this client session, so a tracker can recognise us across address changes.
    public var key: UInt32
    /// The `tracker id` the tracker sent last time (HTTP only), sent back as `trackerid`.
    public var trackerID: [UInt8]?

    public init(
        infoHash: InfoHash,
        peerID: PeerID,
        port: UInt16,
        uploaded: Int64 = 0,
        downloaded: Int64 = 0,
        left: Int64,
        event: AnnounceEvent = .none,
        numWant: Int = 50,
        key: UInt32,
        trackerID: [UInt8]? = nil
    ) {
        self.infoHash = infoHash
        self.peerID = peerID
        self.port = port
        self.uploaded = uploaded
        self.downloaded = downloaded
        self.left = left
        self.event = event
        self.numWant = numWant
        self.key = key
        self.trackerID = trackerID
    }
}
