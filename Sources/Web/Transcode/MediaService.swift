import FoundationEssentials
import HTTPTypes
import Logging
import Store
import Synchronization
import Torrent
import Transcode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything the player needs from the ffmpeg sidecar for the files of the user's torrents: where ffmpeg reads a
/// file, its probe (kept in the store), the playback decision, sessions, subtitles and thumbnails.
///
/// Contract: a file that is completely downloaded (and not stream-only, whose pieces the disk cache may evict) is
/// read from its path; any other through the daemon's own stream URL on loopback with the ``SidecarAccess`` token,
/// so ffmpeg reads it while it downloads. A probe is stored per (info-hash, file index, length) and never run
/// again for it; a broken complete file's error is stored too.
public final class MediaService: Sendable {
    public let sessions: TranscodeSessions
    public let thumbnails: ThumbnailCache
    public let sidecar: SidecarAccess
    public let settings: TranscodeSettings
    let library: TorrentLibrary
    let store: Store
    let logger: Logger
    /// Who started each session (`user N`, or `anonymous` before setup): only they reach its playlist and segments.
    private let owners = Mutex<[String: String]>([:])

    public init(
        settings: TranscodeSettings, library: TorrentLibrary, store: Store, sessions: TranscodeSessions,
        thumbnails: ThumbnailCache, sidecar: SidecarAccess = SidecarAccess(), logger: Logger
    ) {
        self.settings = settings
        self.library = library
        self.store = store
        self.sessions = sessions
        self.thumbnails = thumbnails
        self.sidecar = sidecar
        self.logger = logger
    }

    /// One file of one torrent, and where the tools read it.
    struct ResolvedFile: Sendable {
        let infoHash: InfoHash
        let file: FileSnapshot
        let source: MediaSource
        /// True when the tools read the local file, false for the stream URL.
        let isLocal: Bool
        /// `/stream/{hash}/{index}/{name}`: what the browser plays for direct play.
        let streamPath: String
    }

    func resolve(_ infoHash: InfoHash, index: Int) async throws -> ResolvedFile {
        guard let detail = await library.detail(infoHash), let file = detail.files.first(where: { $0.index == index }) else {
            throw APIError.notFound("no file \(index) in torrent \(infoHash.hex)")
        }
        let name = String(file.path.split(separator: "/").last ?? "")
        let streamPath = "/stream/\(infoHash.hex)/\(index)/\(PercentEncoding.encode(name))"
        let localPath = detail.torrent.savePath + "/" + file.path
        if file.length > 0, file.verifiedBytes >= file.length, !detail.torrent.streamOnly, Self.size(of: localPath) == file.length,
           let source = try? MediaSource.file(localPath) {
            return ResolvedFile(infoHash: infoHash, file: file, source: source, isLocal: true, streamPath: streamPath)
        }
        guard let url = sidecar.streamURL(path: streamPath) else {
            throw APIError.unavailable("the web server is not listening yet")
        }
        do {
            let source = try MediaSource.url(url, header: SidecarAccess.headerName, value: sidecar.token)
            return ResolvedFile(infoHash: infoHash, file: file, source: source, isLocal: false, streamPath: streamPath)
        } catch {
            throw TranscodeHTTP.error(error)
        }
    }

    /// The probe of a file: from the store, else ffprobe (and stored). A stored failure is answered again.
    func mediaInfo(_ resolved: ResolvedFile) async throws -> MediaInfo {
        let hash = resolved.infoHash.hex, index = resolved.file.index, length = resolved.file.length
        if let record = try? await store.read({ try MediaProbeTable.find(hash, fileIndex: index, in: $0) }),
           record.fileLength == length {
            if let json = record.infoJSON, let info = try? JSONDecoder().decode(MediaInfo.self, from: Data(json.utf8)) {
                return info
            }
            if let error = record.error { throw APIError(.unprocessableContent, code: "unreadable_media", message: error) }
        }
        let started = ContinuousClock.now
        do {
            let info = try await Prober(settings: settings).probe(resolved.source)
            let json = (try? JSONEncoder().encode(info)).map { String(decoding: $0, as: UTF8.self) }
            await save(MediaProbeRecord(infoHash: hash, fileIndex: index, fileLength: length, infoJSON: json, error: nil, probedAt: Self.now()))
            logger.info("probed", metadata: [
                "file": "\(hash)/\(index)", "local": "\(resolved.isLocal)", "seconds": "\(ContinuousClock.now - started)",
            ])
            return info
        } catch {
            // Only a complete local file's verdict is final: a stream read can fail for reasons that pass.
            if resolved.isLocal, case .unreadableMedia = error {
                await save(MediaProbeRecord(infoHash: hash, fileIndex: index, fileLength: length, infoJSON: nil,
                                            error: String(error.description.prefix(4096)), probedAt: Self.now()))
            }
            throw TranscodeHTTP.error(error)
        }
    }

    /// Records who started session `id`, and forgets sessions that have ended (so the table stays as small as the
    /// session limit plus those ended since the last start).
    func recordOwner(_ id: String, owner: String) async {
        let active = Set(await sessions.active.map(\.id))
        owners.withLock { table in
            table = table.filter { active.contains($0.key) }
            table[id] = owner
        }
    }

    /// True when `owner` started session `id`.
    func owns(_ id: String, owner: String) -> Bool {
        owners.withLock { $0[id] == owner }
    }

    /// The stored probes of a torrent's files (for pages; never runs ffprobe).
    func storedProbes(_ infoHash: InfoHash) async -> [Int: StoredProbe] {
        guard let records = try? await store.read({ try MediaProbeTable.all(of: infoHash.hex, in: $0) }) else { return [:] }
        var probes: [Int: StoredProbe] = [:]
        for record in records {
            if let json = record.infoJSON, let info = try? JSONDecoder().decode(MediaInfo.self, from: Data(json.utf8)) {
                probes[record.fileIndex] = .media(info)
            } else if let error = record.error {
                probes[record.fileIndex] = .failed(error)
            }
        }
        return probes
    }

    enum StoredProbe: Sendable {
        case media(MediaInfo)
        case failed(String)
    }

    private func save(_ record: MediaProbeRecord) async {
        do {
            try await store.write { try MediaProbeTable.save(record, in: $0) }
        } catch {
            logger.warning("cannot store a probe", metadata: ["file": "\(record.infoHash)/\(record.fileIndex)", "error": "\(error)"])
        }
    }

    static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func now() -> Int64 { Int64(time(nil)) }
}
