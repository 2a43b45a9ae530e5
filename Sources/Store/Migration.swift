/// One numbered schema change. Numbers start at 1 and never change once released; each runs exactly once,
/// inside a transaction together with its row in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies migrations that a database has not seen yet, in order.
enum Migrator {
    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        )
        """

    /// Applies the pending migrations and returns their versions; throws without partial effects if one fails.
    static func migrate(_ database: Database, to migrations: [Migration], now: Int64) throws -> [Int] {
        try database.execute(createTable)
        let current = try currentVersion(database)
        if let newest = migrations.map(\.version).max(), current > newest {
            throw StoreError.newerSchema(database: current, supported: newest)
        }
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            try database.transaction {
                try database.execute(migration.sql)
                try database.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                    .bind(.integer(Int64(migration.version)), .text(migration.name), .integer(now))
                    .run()
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// The highest version applied so far, 0 for a new database.
    static func currentVersion(_ database: Database) throws(SQLiteError) -> Int {
        let statement = try database.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        _ = try statement.step()
        return Int(statement.integer(0))
    }
}
