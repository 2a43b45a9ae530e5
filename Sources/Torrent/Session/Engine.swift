import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The BitTorrent engine: every torrent session, the peer listener and the disk pool.
///
/// Contract: all protocol state lives on one event loop (``loop``); SHA-1 and file I/O run on a pool of
/// `diskThreads` threads. Public methods are safe to call from any task; they hop to the loop and back.
/// Call ``shutdown()`` before dropping the engine: it stops every torrent (writing resume data) and the threads.
public final class Engine: Sendable {
    public let configuration: EngineConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let disk: NIOThreadPool
    /// libcurl blocks: HTTP announces get threads of their own so a slow tracker never delays the disk.
    private let trackerThreads: NIOThreadPool
    /// HTTP through the engine's binding and resolver: announces and `.torrent` downloads.
    let http: BoundHTTPClient
    let directory: NIOLoopBoundBox<SessionDirectory>
    /// Where the engine may send; ``setNetwork(_:)`` changes it.
    let network: EngineNetwork
    let listener: PeerListener
    let logger: Logger
    public var loop: any EventLoop { group.next() }

    public init(configuration: EngineConfiguration, logger: Logger, peerID: PeerID = .random()) {
        self.configuration = configuration
        self.logger = logger
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let disk = NIOThreadPool(numberOfThreads: max(1, configuration.diskThreads))
        disk.start()
        let trackerThreads = NIOThreadPool(numberOfThreads: 1)
        trackerThreads.start()
        let loop = group.next()
        self.group = group
        self.disk = disk
        self.trackerThreads = trackerThreads
        let network = EngineNetwork(.online(configuration.binding, resolver: configuration.resolver))
        self.network = network
        // HTTP and UDP resolve through the network box, so they follow the resolver ``setNetwork(_:)`` sets.
        let http = BoundHTTPClient(threadPool: trackerThreads, resolver: network)
        self.http = http
        let trackers = TrackerClients(
            http: HTTPTracker(client: http),
            udp: UDPTracker(group: group, resolver: network)
        )
        // Sent into a box bound to its loop: from here on only code running on `loop` can touch it.
        let directory = NIOLoopBoundBox.makeBoxSendingValue(
            SessionDirectory(
                configuration: configuration, loop: loop, disk: disk, peerID: peerID, trackers: trackers,
                network: network, logger: logger
            ),
            eventLoop: loop
        )
        self.directory = directory
        listener = PeerListener(group: group, loop: loop, directory: directory, configuration: configuration)
    }

    /// Opens the listener for incoming peers (bound as the current network says); returns the port. While the
    /// engine is offline it opens nothing and returns the configured port: the listener opens when the engine
    /// comes online (``setNetwork(_:)``).
    @discardableResult
    public func listen() async throws -> Int {
        guard let binding = network.binding else {
            listener.markWanted()
            return configuration.listenPort
        }
        return try await listener.open(binding: binding)
    }

    // MARK: - Torrents

    /// Adds a torrent and starts it. Data goes to `savePath`; resume data (and a magnet's fetched metadata) to
    /// `stateDirectory` when given. A `streamOnly` torrent fetches only the pieces readers give deadlines (see
    /// ``setPieceDeadlines(_:of:)``) and may have pieces evicted (``evict(_:of:)``). Adding one that is already there adds the peers and changes nothing else.
    @discardableResult
    public func add(
        _ source: TorrentSource, savePath: String, stateDirectory: String? = nil, peers: [PeerAddress] = [],
        filePriorities: [PiecePriority]? = nil, paused: Bool = false, streamOnly: Bool = false
    ) async throws -> InfoHash {
        let directory = directory
        return try await loop.submit {
            let directory = directory.value
            let infoHash = source.infoHash
            if let existing = directory.sessions[infoHash] {
                existing.addPeers(peers + source.peers)
                return infoHash
            }
            let session = TorrentSession(
                infoHash: infoHash, directory: directory, savePath: savePath, stateDirectory: stateDirectory,
                announceTiers: source.announceTiers, displayName: source.displayName
            )
            session.filePriorities = filePriorities
            session.streamOnly = streamOnly
            if let info = source.info ?? Self.savedInfo(for: infoHash, in: stateDirectory) { session.attach(info) }
            directory.sessions[infoHash] = session
            session.start(paused: paused)
            session.addPeers(peers + source.peers)
            return infoHash
        }.get()
    }

    /// A magnet's metadata fetched in an earlier run.
    private static func savedInfo(for infoHash: InfoHash, in stateDirectory: String?) -> TorrentInfo? {
        guard let stateDirectory,
              let bytes = AtomicFile.read("\(stateDirectory)/\(infoHash.hex).torrent", limit: Metainfo.defaultMaxSize),
              let metainfo = try? Metainfo(bytes: bytes), metainfo.infoHash == infoHash else { return nil }
        return metainfo.info
    }

    /// More candidate peers for a torrent (from trackers, PEX elsewhere, the user).
    public func addPeers(_ peers: [PeerAddress], to infoHash: InfoHash) async {
        let directory = directory
        try? await loop.submit { directory.value.sessions[infoHash]?.addPeers(peers) }.get()
    }

    /// Returns when every wanted piece of the torrent is verified; throws ``TorrentFailure`` if it fails first,
    /// and `CancellationError` at once when the calling task is cancelled.
    public func waitUntilComplete(_ infoHash: InfoHash) async throws {
        let directory = directory
        let loop = loop
        let promise = loop.makePromise(of: Void.self)
        // Set on the loop by whichever completes the promise first: the torrent, or a cancellation.
        let settled = NIOLoopBoundBox<Bool?>.makeEmptyBox(valueType: Bool.self, eventLoop: loop)
        let settle: @Sendable (Result<Void, any Error>) -> Void = { result in
            guard settled.value == nil else { return }
            settled.value = true
            promise.completeWith(result)
        }
        loop.execute {
            guard let session = directory.value.sessions[infoHash] else {
                return settle(.failure(TorrentFailure(infoHash: infoHash, message: "no such torrent")))
            }
            session.whenComplete { failure in
                settle(failure.map { .failure(TorrentFailure(infoHash: infoHash, message: $0)) } ?? .success(()))
            }
        }
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            loop.execute { settle(.failure(CancellationError())) }
        }
    }

    public func snapshot(of infoHash: InfoHash) async -> TorrentSnapshot? {
        let directory = directory
        return try? await loop.submit { directory.value.sessions[infoHash]?.snapshot() }.get()
    }

    public func snapshots() async -> [TorrentSnapshot] {
        let directory = directory
        return (try? await loop.submit {
            directory.value.sessions.values.map { $0.snapshot() }.sorted { $0.name < $1.name }
        }.get()) ?? []
    }

    public func peers(of infoHash: InfoHash) async -> [PeerSnapshot] {
        let directory = directory
        return (try? await loop.submit { directory.value.sessions[infoHash]?.peerSnapshots() ?? [] }.get()) ?? []
    }

    /// Closes the torrent's connections and stops its transfers; resume data is written.
    public func pause(_ infoHash: InfoHash) async {
        await onSession(infoHash) { $0.pause() }
    }

    public func resume(_ infoHash: InfoHash) async {
        await onSession(infoHash) { $0.resume() }
    }

    /// File priorities in torrent order (`skip` files are not downloaded).
    public func setFilePriorities(_ priorities: [PiecePriority], of infoHash: InfoHash) async {
        await onSession(infoHash) { $0.setFilePriorities(priorities) }
    }

    /// Rate limits in bytes per second (0 = none): for one torrent, or engine-wide when `infoHash` is `nil`.
    public func setRateLimits(download: Int, upload: Int, of infoHash: InfoHash? = nil) async {
        guard let infoHash else {
            let directory = directory
            try? await loop.submit {
                directory.value.downloadLimit.setRate(download)
                directory.value.uploadLimit.setRate(upload)
            }.get()
            return
        }
        await onSession(infoHash) { $0.setRateLimits(download: download, upload: upload) }
    }

    public func files(of infoHash: InfoHash) async -> [FileSnapshot] {
        let directory = directory
        return (try? await loop.submit { directory.value.sessions[infoHash]?.fileSnapshots() ?? [] }.get()) ?? []
    }

    public func trackers(of infoHash: InfoHash) async -> [TrackerSnapshot] {
        let directory = directory
        return (try? await loop.submit {
            directory.value.sessions[infoHash]?.trackerStatuses().map(TrackerSnapshot.init) ?? []
        }.get()) ?? []
    }

    func onSession(_ infoHash: InfoHash, _ body: @escaping @Sendable (TorrentSession) -> Void) async {
        let directory = directory
        try? await loop.submit {
            if let session = directory.value.sessions[infoHash] { body(session) }
        }.get()
    }

    /// Stops and forgets a torrent; with `deleteData` its files go too.
    public func remove(_ infoHash: InfoHash, deleteData: Bool) async {
        let directory = directory
        let promise = loop.makePromise(of: Void.self)
        loop.execute {
            guard let session = directory.value.sessions.removeValue(forKey: infoHash) else { return promise.succeed() }
            session.stop {
                if deleteData { session.storage?.deleteFiles() }
                if let path = session.resumePath { AtomicFile.remove(path) }
                promise.succeed()
            }
        }
        try? await promise.futureResult.get()
    }

    /// Stops every torrent (resume data written), closes the listener and ends the threads.
    public func shutdown() async {
        let directory = directory
        let promise = loop.makePromise(of: Void.self)
        loop.execute {
            let sessions = Array(directory.value.sessions.values)
            directory.value.sessions.removeAll()
            var left = sessions.count
            if left == 0 { return promise.succeed() }
            for session in sessions {
                session.stop {
                    left -= 1
                    if left == 0 { promise.succeed() }
                }
            }
        }
        try? await promise.futureResult.get()
        await listener.close(forget: true)
        try? await disk.shutdownGracefully()
        try? await trackerThreads.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}

/// A torrent stopped by an error before it completed.
public struct TorrentFailure: Error, Sendable, CustomStringConvertible {
    public let infoHash: InfoHash
    public let message: String
    public var description: String { "\(infoHash.hex): \(message)" }
}

/// What a torrent is added from.
public enum TorrentSource: Sendable {
    case metainfo(Metainfo)
    case magnet(MagnetLink)

    var infoHash: InfoHash {
        switch self {
        case .metainfo(let metainfo): metainfo.infoHash
        case .magnet(let magnet): magnet.infoHash
        }
    }

    var info: TorrentInfo? {
        if case .metainfo(let metainfo) = self { metainfo.info } else { nil }
    }

    var peers: [PeerAddress] {
        if case .magnet(let magnet) = self { magnet.peers } else { [] }
    }

    var announceTiers: [[String]] {
        switch self {
        case .metainfo(let metainfo): metainfo.announceTiers
        case .magnet(let magnet): magnet.trackers.map { [$0] }
        }
    }

    var displayName: String? {
        if case .magnet(let magnet) = self { magnet.displayName } else { nil }
    }
}

extension PeerAddress {
    /// The address of a connected socket.
    init?(socketAddress: SocketAddress) {
        guard let port = socketAddress.port, port > 0, port <= 65535, let host = socketAddress.ipAddress else { return nil }
        guard let ip = IPAddressText.parseIPv4(host) ?? IPAddressText.parseIPv6(host.split(separator: "%").first ?? "") else {
            return nil
        }
        self.init(ip: ip, port: UInt16(port))
    }
}
