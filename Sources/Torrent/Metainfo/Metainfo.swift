import Bencode

/// A parsed .torrent file (BEP 3): the checked `info` dictionary plus where to find peers.
public struct Metainfo: Sendable {
    public let info: TorrentInfo
    /// Tracker URLs in tiers (BEP 12); from `announce-list` when present, else one tier with `announce`.
    public let announceTiers: [[String]]
    /// BEP 19 web seeds (`url-list`), parsed and kept; not yet fetched from.
    public let webSeeds: [String]
    public let comment: String?
    public let createdBy: String?
    public let creationDate: Int64?

    public var infoHash: InfoHash { info.infoHash }

    /// The most a .torrent file may weigh by default.
    public static let defaultMaxSize = 16 << 20

    /// Parses a .torrent file. The info-hash is the SHA-1 of the `info` value exactly as it appears in `bytes`.
    public init(bytes: [UInt8], maxSize: Int = defaultMaxSize, limits: TorrentInfo.Limits = .init()) throws(MetainfoError) {
        guard bytes.count <= maxSize else {
            throw MetainfoError(field: "", message: "the file is larger than \(maxSize) bytes")
        }
        var bencodeLimits = BencodeLimits.default
        bencodeLimits.maxInputSize = maxSize
        bencodeLimits.maxStringLength = maxSize
        let document: BencodeDocument
        do {
            document = try BencodeDecoder(limits: bencodeLimits).decodeWithSpans(bytes)
        } catch {
            throw .bencode(error)
        }
        let root = document.value
        guard root.dict != nil else { throw MetainfoError(field: "", message: "a .torrent must be a dictionary") }
        guard let infoValue = root["info"], let infoRange = document.rawRange(ofKey: "info") else {
            throw MetainfoError(field: "info", message: "missing")
        }
        info = try TorrentInfo(value: infoValue, rawBytes: Array(bytes[infoRange]), limits: limits)

        var tiers: [[String]] = []
        if let list = root["announce-list"]?.list {
            for tier in list.prefix(64) {
                let urls = (tier.list ?? []).prefix(64).compactMap { $0.string }.filter(Self.isTrackerURL)
                if !urls.isEmpty { tiers.append(urls) }
            }
        }
        if tiers.isEmpty, let announce = root["announce"]?.string, Self.isTrackerURL(announce) {
            tiers = [[announce]]
        }
        announceTiers = tiers

        switch root["url-list"] {
        case .bytes?: webSeeds = [root["url-list"]?.string].compactMap { $0 }.filter { !$0.isEmpty }
        case .list(let urls)?: webSeeds = urls.prefix(64).compactMap { $0.string }.filter { !$0.isEmpty }
        default: webSeeds = []
        }
        comment = root["comment"]?.string
        createdBy = root["created by"]?.string
        creationDate = root["creation date"]?.int
    }

    /// A tracker URL we can use: http, https or udp, of sane length.
    static func isTrackerURL(_ url: String) -> Bool {
        guard url.utf8.count <= 2048 else { return false }
        let lower = url.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("udp://")
    }
}

extension Metainfo {
    /// Reads and parses a .torrent file.
    public init(path: String, maxSize: Int = defaultMaxSize) throws(MetainfoError) {
        guard let bytes = AtomicFile.read(path, limit: maxSize) else {
            throw MetainfoError(field: "", message: "cannot read \(path) (missing, unreadable or over \(maxSize) bytes)")
        }
        try self.init(bytes: bytes, maxSize: maxSize)
    }
}
