import Logging
import NIOCore
import NIOPosix

/// The engine's shared state on its event loop: the torrents by info-hash (so an incoming handshake finds its
/// session), our peer id, the connection budget, the disk pool and the configuration.
final class SessionDirectory {
    let configuration: EngineConfiguration
    let loop: any EventLoop
    let disk: NIOThreadPool
    let peerID: PeerID
    let logger: Logger
    /// HTTP and UDP tracker clients shared by every torrent.
    let trackers: any TrackerClient
    /// Where sockets may go: peers are dialled and admitted only while it is online, with its binding.
    let network: EngineNetwork
    var sessions: [InfoHash: TorrentSession] = [:]
    /// The engine-wide rate limits, shared by every torrent.
    var downloadLimit: TokenBucket
    var uploadLimit: TokenBucket
    var listenPort: Int = 0
    /// Open peer connections across all torrents (incoming and outgoing).
    var connectionCount = 0
    private var nextKey: PeerKey = 0

    init(
        configuration: EngineConfiguration, loop: any EventLoop, disk: NIOThreadPool, peerID: PeerID,
        trackers: any TrackerClient, network: EngineNetwork, logger: Logger
    ) {
        self.trackers = trackers
        self.network = network
        downloadLimit = TokenBucket(rate: configuration.downloadRateLimit)
        uploadLimit = TokenBucket(rate: configuration.uploadRateLimit)
        self.configuration = configuration
        self.loop = loop
        self.disk = disk
        self.peerID = peerID
        self.logger = logger
    }

    func session(for infoHash: InfoHash) -> TorrentSession? { sessions[infoHash] }

    func makeKey() -> PeerKey {
        nextKey += 1
        return nextKey
    }

    var hasConnectionRoom: Bool { connectionCount < configuration.maxConnections }
}
