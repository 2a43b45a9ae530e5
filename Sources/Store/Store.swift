import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Rill's database: one SQLite file in WAL mode, owned by this actor, so writes are serialised and a shutdown
/// (`close()`) runs only after every write queued before it has finished.
///
/// Opening checks the file with `PRAGMA integrity_check`; a damaged file is set aside (never deleted), logged, and a
/// fresh database created, and `setAside` says so for as long as the daemon runs.
public actor Store {
    /// The database file.
    public nonisolated let path: String
    /// What opening found and did.
    public nonisolated let report: OpenReport
    private var database: Database?

    /// What happened when the store was opened.
    public struct OpenReport: Sendable, Equatable {
        /// The schema version after migrating.
        public let schemaVersion: Int
        /// The migrations applied by this open, in order; empty when the schema was current.
        public let appliedMigrations: [Int]
        /// The damaged database moved aside by this open, if any.
        public let setAside: SetAsideDatabase?
    }

    /// Opens `rill.db` in `directory` (created if missing), repairing by setting a damaged file aside.
    public init(directory: String, busyTimeoutMilliseconds: Int, logger: Logger) throws {
        try Self.makeDirectory(directory)
        let path = directory.hasSuffix("/") ? directory + "rill.db" : directory + "/rill.db"
        let now = Int64(time(nil))
        var setAside: SetAsideDatabase?
        var database: Database
        do {
            database = try Self.openChecked(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        } catch let error as SQLiteError where error.isCorruption {
            let moved = try CorruptDatabase.setAside(path, reason: error.message, now: now)
            logger.error(
                "database is damaged and was set aside; starting with a new one",
                metadata: ["damaged": "\(moved.path)", "reason": "\(moved.reason)"]
            )
            setAside = moved
            database = try Self.openChecked(path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        }
        let applied = try Migrator.migrate(database, to: Migrations.all, now: now)
        if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": "\(applied)", "path": "\(path)"]) }
        self.path = path
        self.database = database
        self.report = OpenReport(
            schemaVersion: try Migrator.currentVersion(database), appliedMigrations: applied, setAside: setAside
        )
    }

    /// Runs `body` with the connection inside one transaction. Throws `StoreError.closed` after `close()`.
    public func write<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        guard let database else { throw StoreError.closed }
        return try database.transaction { try body(database) }
    }

    /// Runs `body` with the connection for reads. Throws `StoreError.closed` after `close()`.
    public func read<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        guard let database else { throw StoreError.closed }
        return try body(database)
    }

    /// Checkpoints the WAL into the main file and closes the connection. Idempotent.
    public func close() {
        guard let database else { return }
        try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
        self.database = nil
    }

    /// True until `close()`.
    public var isOpen: Bool { database != nil }

    private static func openChecked(_ path: String, busyTimeoutMilliseconds: Int) throws -> Database {
        let database = try Database(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let problems = try database.integrityCheck()
        guard problems == ["ok"] else {
            database.close()
            throw SQLiteError.integrityFailure(problems)
        }
        return database
    }

    private static func makeDirectory(_ directory: String) throws {
        var partial = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            partial += component + "/"
            if mkdir(partial, 0o700) != 0, errno != EEXIST {
                throw StoreError.cannotCreateDirectory(path: partial, reason: String(cString: strerror(errno)))
            }
        }
    }
}
