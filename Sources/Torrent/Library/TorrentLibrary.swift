import Logging
import Store

/// The torrents the user keeps: the engine's sessions plus their records in the store, so they come back
/// after a restart. Everything the API does to torrents goes through here.
public actor TorrentLibrary {
    public let engine: Engine
    private let store: Store
    private let downloadDirectory: String
    private let stateDirectory: String
    private let logger: Logger

    /// - Parameters:
    ///   - downloadDirectory: where payloads go unless a torrent names its own save path.
    ///   - stateDirectory: resume data and fetched metadata.
    public init(engine: Engine, store: Store, downloadDirectory: String, stateDirectory: String, logger: Logger) {
        self.engine = engine
        self.store = store
        self.downloadDirectory = downloadDirectory
        self.stateDirectory = stateDirectory
        self.logger = logger
    }

    /// What a torrent is added from.
    public enum Source: Sendable {
        case magnet(String)
        case torrentFile([UInt8])
        /// A magnet, or an `http`/`https` link to a `.torrent` file (downloaded through the engine's binding).
        case url(String)
    }

    /// Adds every stored torrent back to the engine (paused ones stay paused). A record that no longer parses
    /// is logged and skipped, never deleted.
    public func restore() async {
        let records: [TorrentRecord]
        do {
            records = try await store.read { try TorrentTable.all(in: $0) }
        } catch {
            return logger.error("cannot read the torrent list", metadata: ["error": "\(error)"])
        }
        for record in records {
            do {
                let source: TorrentSource
                if let metainfo = record.metainfo {
                    source = .metainfo(try Metainfo(bytes: metainfo))
                } else if let magnet = record.magnet {
                    source = .magnet(try MagnetLink(magnet))
                } else {
                    continue
                }
                try await engine.add(
                    source, savePath: record.savePath, stateDirectory: stateDirectory,
                    filePriorities: record.filePriorities.map { $0.compactMap(PiecePriority.init(rawValue:)) },
                    paused: record.paused, streamOnly: record.streamOnly
                )
            } catch {
                logger.error("cannot restore a torrent", metadata: ["info_hash": "\(record.infoHash)", "error": "\(error)"])
            }
        }
        logger.info("torrents restored", metadata: ["count": "\(records.count)"])
    }

    /// Adds a torrent and records it. Adding one that is already there returns its info-hash unchanged.
    /// A `streamOnly` torrent is fetched only where it is read and lives in the stream cache; adding it again
    /// without `streamOnly` keeps it (it is then downloaded whole and never evicted).
    public func add(_ source: Source, paused: Bool = false, streamOnly: Bool = false) async throws(LibraryError) -> InfoHash {
        let mode = AddMode(paused: paused, streamOnly: streamOnly)
        switch source {
        case .magnet(let text): return try await add(magnet: text, torrentFile: nil, mode: mode)
        case .torrentFile(let bytes): return try await add(magnet: nil, torrentFile: bytes, mode: mode)
        case .url(let text) where text.lowercased().hasPrefix("magnet:"):
            return try await add(magnet: text, torrentFile: nil, mode: mode)
        case .url(let text):
            let bytes: [UInt8]
            do {
                bytes = try await engine.downloadTorrentFile(from: text)
            } catch {
                throw .invalid("cannot download \(text): \(error.reason.summary)")
            }
            return try await add(magnet: nil, torrentFile: bytes, mode: mode)
        }
    }

    private struct AddMode {
        var paused: Bool
        var streamOnly: Bool
    }

    /// Adds a magnet or a `.torrent` file (exactly one is given) and records it.
    private func add(magnet: String?, torrentFile: [UInt8]?, mode: AddMode) async throws(LibraryError) -> InfoHash {
        let torrentSource: TorrentSource
        var record: TorrentRecord
        let now = Int64(WallClock.unixSeconds())
        do {
            if let text = magnet {
                let magnet = try MagnetLink(text)
                torrentSource = .magnet(magnet)
                record = TorrentRecord(
                    infoHash: magnet.infoHash.hex, name: magnet.displayName ?? magnet.infoHash.hex, magnet: text,
                    metainfo: nil, savePath: downloadDirectory, paused: mode.paused, addedAt: now, streamOnly: mode.streamOnly
                )
            } else {
                let bytes = torrentFile ?? []
                let metainfo = try Metainfo(bytes: bytes)
                torrentSource = .metainfo(metainfo)
                record = TorrentRecord(
                    infoHash: metainfo.infoHash.hex, name: metainfo.info.name, magnet: nil, metainfo: bytes,
                    savePath: downloadDirectory, paused: mode.paused, addedAt: now, streamOnly: mode.streamOnly
                )
            }
        } catch {
            throw .invalid(error.description)
        }
        if let existing = try? await store.read({ try TorrentTable.find(record.infoHash, in: $0) }) {
            record = existing
            if record.metainfo == nil, case .metainfo = torrentSource { record.metainfo = torrentFile }
            if record.streamOnly, !mode.streamOnly {  // streamed first, now kept
                record.streamOnly = false
                await engine.setStreamOnly(false, of: torrentSource.infoHash)
            }
        }
        let saved = record
        do {
            try await store.write { try TorrentTable.save(saved, in: $0) }
            return try await engine.add(
                torrentSource, savePath: record.savePath, stateDirectory: stateDirectory, paused: record.paused,
                streamOnly: record.streamOnly
            )
        } catch {
            throw .storage("\(error)")
        }
    }

    public func list() async -> [TorrentSnapshot] { await engine.snapshots() }

    public func detail(_ infoHash: InfoHash) async -> TorrentDetail? {
        guard let snapshot = await engine.snapshot(of: infoHash) else { return nil }
        return TorrentDetail(
            torrent: snapshot, files: await engine.files(of: infoHash), peers: await engine.peers(of: infoHash),
            trackers: await engine.trackers(of: infoHash)
        )
    }

    public func pause(_ infoHash: InfoHash) async throws(LibraryError) {
        try await update(infoHash) { $0.paused = true }
        await engine.pause(infoHash)
    }

    public func resume(_ infoHash: InfoHash) async throws(LibraryError) {
        try await update(infoHash) { $0.paused = false }
        await engine.resume(infoHash)
    }

    public func setFilePriorities(_ priorities: [PiecePriority], of infoHash: InfoHash) async throws(LibraryError) {
        let files = await engine.files(of: infoHash)
        guard files.isEmpty || priorities.count == files.count else {
            throw .invalid("\(priorities.count) priorities for \(files.count) files")
        }
        // Priorities are per file of the torrent, padding files included; the API lists real files only.
        let indices = files.map(\.index)
        var all = [PiecePriority](repeating: .normal, count: (indices.last ?? -1) + 1)
        for (position, index) in indices.enumerated() { all[index] = priorities[position] }
        let perFile = all
        try await update(infoHash) { $0.filePriorities = perFile.map(\.rawValue) }
        await engine.setFilePriorities(perFile, of: infoHash)
    }

    public func remove(_ infoHash: InfoHash, deleteData: Bool) async throws(LibraryError) {
        guard await engine.snapshot(of: infoHash) != nil else { throw .notFound }
        await engine.remove(infoHash, deleteData: deleteData)
        do {
            try await store.write { try TorrentTable.delete(infoHash.hex, in: $0) }
        } catch {
            throw .storage("\(error)")
        }
    }

    private func update(_ infoHash: InfoHash, _ change: @Sendable (inout TorrentRecord) -> Void) async throws(LibraryError) {
        do {
            let found = try await store.write { database -> Bool in
                guard var record = try TorrentTable.find(infoHash.hex, in: database) else { return false }
                change(&record)
                try TorrentTable.save(record, in: database)
                return true
            }
            if !found { throw LibraryError.notFound }
        } catch let error as LibraryError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }
}

/// Everything the detail API shows of one torrent.
public struct TorrentDetail: Sendable, Codable {
    public var torrent: TorrentSnapshot
    public var files: [FileSnapshot]
    public var peers: [PeerSnapshot]
    public var trackers: [TrackerSnapshot]
}

/// Why a library operation was refused.
public enum LibraryError: Error, Sendable, Equatable {
    /// The input (magnet, .torrent, priorities) is not acceptable; the message says why.
    case invalid(String)
    case notFound
    /// The store could not be read or written.
    case storage(String)
}
