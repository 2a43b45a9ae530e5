/// Every limit and knob of the engine, with defaults for a 512 MiB Raspberry Pi. The daemon fills it from
/// the config file; `rill fetch` from its flags.
public struct EngineConfiguration: Sendable {
    /// TCP port for incoming peers; 0 picks a free one.
    public var listenPort: Int = 0
    /// The address the listener binds to.
    public var listenHost: String = "0.0.0.0"
    /// Peer connections per torrent.
    public var maxPeersPerTorrent: Int = 50
    /// Peer connections in all.
    public var maxConnections: Int = 200
    /// Outgoing connection attempts in flight at once.
    public var maxHalfOpen: Int = 16
    /// Candidate peer addresses remembered per torrent.
    public var maxKnownPeers: Int = 1000
    public var connectTimeoutSeconds: Int = 5
    /// A peer that sends nothing (not even keep-alives) for this long is dropped.
    public var peerIdleTimeoutSeconds: Int = 120
    /// Outstanding requests with no block arriving for this long are handed to other peers.
    public var requestTimeoutSeconds: Int = 20
    /// Requests kept in flight to one peer: the adaptive depth stays within these.
    public var minRequestDepth: Int = 4
    public var maxRequestDepth: Int = 250
    /// Requests from one peer we queue before rejecting more.
    public var maxPeerRequests: Int = 250
    /// The largest peer message accepted, length prefix excluded: a 16 KiB block is 16 KiB + 9, the largest
    /// bitfield of a 16 MiB .torrent ~103 KiB. Each connection may buffer this much.
    public var maxMessageLength: Int = 128 << 10
    /// Threads for disk writes, reads and SHA-1.
    public var diskThreads: Int = 2
    /// Received block bytes waiting to be written before the engine stops reading from sockets.
    public var maxPendingWriteBytes: Int = 8 << 20
    /// Peers we upload to at once (plus one optimistic unchoke).
    public var uploadSlots: Int = 4
    /// How often resume data is written while pieces arrive.
    public var resumeIntervalSeconds: Int = 10
    /// Global rate limits in bytes per second; 0 means none.
    public var downloadRateLimit: Int = 0
    public var uploadRateLimit: Int = 0
    /// Seeding stops (the torrent pauses) once uploaded ÷ size reaches this ratio; 0 means never.
    public var seedRatioLimit: Double = 0
    /// Seeding stops after this many seconds of seeding; 0 means never.
    public var seedTimeLimitSeconds: Int = 0
    /// How often peers hear about our other peers (BEP 11 asks for at most once a minute).
    public var pexIntervalSeconds: Int = 60
    /// The largest `info` dictionary accepted over BEP 9.
    public var maxMetadataSize: Int = 8 << 20
    /// Where sockets may go out.
    public var binding: NetworkBinding = .unbound
    /// How tracker host names become addresses (never libc's resolver). The default takes IP literals only.
    public var resolver: any HostResolver = LiteralHostResolver()
    /// Open file descriptors per torrent's storage.
    public var maxOpenFilesPerTorrent: Int = 32
    /// What the client calls itself in the extension handshake.
    public var clientName: String = "Rill 0.1.0"

    public init() {}
}
