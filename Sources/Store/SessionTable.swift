/// One login session. Only the SHA-256 of the session id is stored (`idHash`, hex), so a copy of the database does
/// not log anyone in; the CSRF token is per session and is sent to the browser in pages anyway.
public struct SessionRecord: Sendable, Equatable {
    public var idHash: String
    public var userID: Int64
    public var csrfToken: String
    /// Unix seconds.
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(idHash: String, userID: Int64, csrfToken: String, createdAt: Int64, expiresAt: Int64) {
        self.idHash = idHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// The `sessions` table. Rows are written on login, renewal and logout only (never per request: SD cards).
public enum SessionTable {
    private static let columns = "id_hash, user_id, csrf_token, created_at, expires_at"

    public static func save(_ session: SessionRecord, in database: Database) throws {
        try database.prepare("INSERT OR REPLACE INTO sessions (\(columns)) VALUES (?, ?, ?, ?, ?)")
            .bind(
                .text(session.idHash), .integer(session.userID), .text(session.csrfToken), .integer(session.createdAt),
                .integer(session.expiresAt)
            )
            .run()
    }

    /// Every session, oldest first.
    public static func all(in database: Database) throws -> [SessionRecord] {
        let statement = try database.prepare("SELECT \(columns) FROM sessions ORDER BY created_at, id_hash")
        var sessions: [SessionRecord] = []
        while try statement.step() {
            sessions.append(SessionRecord(
                idHash: statement.text(0) ?? "", userID: statement.integer(1), csrfToken: statement.text(2) ?? "",
                createdAt: statement.integer(3), expiresAt: statement.integer(4)
            ))
        }
        return sessions
    }

    public static func delete(_ idHash: String, in database: Database) throws {
        try database.prepare("DELETE FROM sessions WHERE id_hash = ?").bind(.text(idHash)).run()
    }

    /// Deletes every session of one user (password change, role change, removal).
    public static func deleteAll(ofUser userID: Int64, in database: Database) throws {
        try database.prepare("DELETE FROM sessions WHERE user_id = ?").bind(.integer(userID)).run()
    }

    /// Deletes sessions that expired at or before `now`.
    public static func deleteExpired(now: Int64, in database: Database) throws {
        try database.prepare("DELETE FROM sessions WHERE expires_at <= ?").bind(.integer(now)).run()
    }
}
