/// What ffprobe found in one file of a torrent, kept so the library and the player need not run it again.
///
/// The store keeps the prober's JSON as text (it does not know its shape: Transcode owns `MediaInfo`), or the
/// error a broken file gave, so a broken file is not probed again and again. `fileLength` guards against a
/// reused (info-hash, index) pair ever meaning other bytes: a mismatch is treated as no record.
public struct MediaProbeRecord: Sendable, Equatable {
    public var infoHash: String
    public var fileIndex: Int
    public var fileLength: Int64
    /// The `MediaInfo` JSON; nil when probing failed.
    public var infoJSON: String?
    /// Why probing failed; nil when it worked.
    public var error: String?
    /// Unix seconds.
    public var probedAt: Int64

    public init(infoHash: String, fileIndex: Int, fileLength: Int64, infoJSON: String?, error: String?, probedAt: Int64) {
        self.infoHash = infoHash
        self.fileIndex = fileIndex
        self.fileLength = fileLength
        self.infoJSON = infoJSON
        self.error = error
        self.probedAt = probedAt
    }
}

/// The `media_probes` table (migration 5). Rows go with their torrent (``TorrentTable/delete(_:in:)``; not a
/// foreign key, because `INSERT OR REPLACE` of a torrent row would cascade).
public enum MediaProbeTable {
    /// The most bytes of JSON or error text stored per file (ffprobe's output is capped at 1 MiB before this).
    public static let maxTextBytes = 1 << 20

    private static let columns = "info_hash, file_index, file_length, info_json, error, probed_at"

    /// Inserts or replaces the record of (info-hash, file index). Text beyond ``maxTextBytes`` is refused.
    public static func save(_ record: MediaProbeRecord, in database: Database) throws {
        guard (record.infoJSON?.utf8.count ?? 0) <= maxTextBytes, (record.error?.utf8.count ?? 0) <= maxTextBytes else {
            throw StoreError.valueTooLarge(table: "media_probes", limit: maxTextBytes)
        }
        try database.prepare("INSERT OR REPLACE INTO media_probes (\(columns)) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(
                .text(record.infoHash), .integer(Int64(record.fileIndex)), .integer(record.fileLength),
                record.infoJSON.map(SQLValue.text) ?? .null, record.error.map(SQLValue.text) ?? .null,
                .integer(record.probedAt)
            )
            .run()
    }

    /// The record of one file, or nil.
    public static func find(_ infoHash: String, fileIndex: Int, in database: Database) throws -> MediaProbeRecord? {
        let statement = try database.prepare("SELECT \(columns) FROM media_probes WHERE info_hash = ? AND file_index = ?")
            .bind(.text(infoHash), .integer(Int64(fileIndex)))
        return try statement.step() ? record(from: statement) : nil
    }

    /// Every record of one torrent, by file index.
    public static func all(of infoHash: String, in database: Database) throws -> [MediaProbeRecord] {
        let statement = try database.prepare("SELECT \(columns) FROM media_probes WHERE info_hash = ? ORDER BY file_index")
            .bind(.text(infoHash))
        var records: [MediaProbeRecord] = []
        while try statement.step() { records.append(record(from: statement)) }
        return records
    }

    private static func record(from row: Statement) -> MediaProbeRecord {
        MediaProbeRecord(
            infoHash: row.text(0) ?? "", fileIndex: Int(row.integer(1)), fileLength: row.integer(2),
            infoJSON: row.text(3), error: row.text(4), probedAt: row.integer(5)
        )
    }
}
