/// One torrent the user added: enough to add it to the engine again after a restart. Progress is not here
/// (resume data holds it, written far less often than a database row would be).
public struct TorrentRecord: Sendable, Equatable {
    /// 40 lowercase hex digits.
    public var infoHash: String
    public var name: String
    /// The magnet URI, when the torrent was added from one.
    public var magnet: String?
    /// The .torrent file, once known (given, or fetched from peers for a magnet).
    public var metainfo: [UInt8]?
    public var savePath: String
    public var paused: Bool
    /// One byte per file (`PiecePriority` raw values), or `nil` for all normal.
    public var filePriorities: [UInt8]?
    /// Unix seconds.
    public var addedAt: Int64
    public var completedAt: Int64?
    /// Fetched only where it is read, in the stream cache (evictable); otherwise kept whole.
    public var streamOnly: Bool

    public init(
        infoHash: String, name: String, magnet: String?, metainfo: [UInt8]?, savePath: String,
        paused: Bool = false, filePriorities: [UInt8]? = nil, addedAt: Int64, completedAt: Int64? = nil,
        streamOnly: Bool = false
    ) {
        self.infoHash = infoHash
        self.name = name
        self.magnet = magnet
        self.metainfo = metainfo
        self.savePath = savePath
        self.paused = paused
        self.filePriorities = filePriorities
        self.addedAt = addedAt
        self.completedAt = completedAt
        self.streamOnly = streamOnly
    }
}

/// The `torrents` table.
public enum TorrentTable {
    private static let columns = "info_hash, name, magnet, metainfo, save_path, paused, file_priorities, added_at, completed_at, stream_only"

    /// Inserts the record, or replaces the one with the same info-hash.
    public static func save(_ record: TorrentRecord, in database: Database) throws {
        try database.prepare("INSERT OR REPLACE INTO torrents (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(
                .text(record.infoHash), .text(record.name), record.magnet.map(SQLValue.text) ?? .null,
                record.metainfo.map(SQLValue.blob) ?? .null, .text(record.savePath), .integer(record.paused ? 1 : 0),
                record.filePriorities.map(SQLValue.blob) ?? .null, .integer(record.addedAt),
                record.completedAt.map(SQLValue.integer) ?? .null, .integer(record.streamOnly ? 1 : 0)
            )
            .run()
    }

    public static func all(in database: Database) throws -> [TorrentRecord] {
        let statement = try database.prepare("SELECT \(columns) FROM torrents ORDER BY added_at, info_hash")
        var records: [TorrentRecord] = []
        while try statement.step() { records.append(record(from: statement)) }
        return records
    }

    public static func find(_ infoHash: String, in database: Database) throws -> TorrentRecord? {
        let statement = try database.prepare("SELECT \(columns) FROM torrents WHERE info_hash = ?").bind(.text(infoHash))
        return try statement.step() ? record(from: statement) : nil
    }

    /// Deletes the torrent and what is stored about its files (`media_probes`).
    public static func delete(_ infoHash: String, in database: Database) throws {
        try database.prepare("DELETE FROM torrents WHERE info_hash = ?").bind(.text(infoHash)).run()
        try database.prepare("DELETE FROM media_probes WHERE info_hash = ?").bind(.text(infoHash)).run()
    }

    private static func record(from row: Statement) -> TorrentRecord {
        TorrentRecord(
            infoHash: row.text(0) ?? "", name: row.text(1) ?? "", magnet: row.text(2), metainfo: row.blob(3),
            savePath: row.text(4) ?? "", paused: row.integer(5) != 0, filePriorities: row.blob(6),
            addedAt: row.integer(7), completedAt: row.isNull(8) ? nil : row.integer(8), streamOnly: row.integer(9) != 0
        )
    }
}
