/// An API token for scripts (`Authorization: Bearer …`). Only the SHA-256 of the token is stored (`tokenHash`,
/// hex); the token itself is shown once, when it is created. A token acts as the user it belongs to.
public struct APITokenRecord: Sendable, Equatable {
    /// Assigned by SQLite on insert; 0 for a record not yet saved.
    public var id: Int64
    /// What the person called it ("sonarr").
    public var name: String
    public var tokenHash: String
    public var userID: Int64
    /// Unix seconds.
    public var createdAt: Int64

    public init(id: Int64 = 0, name: String, tokenHash: String, userID: Int64, createdAt: Int64) {
        self.id = id
        self.name = name
        self.tokenHash = tokenHash
        self.userID = userID
        self.createdAt = createdAt
    }
}

/// The `api_tokens` table.
public enum APITokenTable {
    private static let columns = "id, name, token_hash, user_id, created_at"

    /// Inserts the token and returns its id.
    public static func insert(_ token: APITokenRecord, in database: Database) throws -> Int64 {
        let statement = try database.prepare("INSERT INTO api_tokens (name, token_hash, user_id, created_at) VALUES (?, ?, ?, ?) RETURNING id")
            .bind(.text(token.name), .text(token.tokenHash), .integer(token.userID), .integer(token.createdAt))
        guard try statement.step() else { return 0 }
        let id = statement.integer(0)
        while try statement.step() {}
        return id
    }

    /// Every token, oldest first.
    public static func all(in database: Database) throws -> [APITokenRecord] {
        let statement = try database.prepare("SELECT \(columns) FROM api_tokens ORDER BY id")
        var tokens: [APITokenRecord] = []
        while try statement.step() {
            tokens.append(APITokenRecord(
                id: statement.integer(0), name: statement.text(1) ?? "", tokenHash: statement.text(2) ?? "",
                userID: statement.integer(3), createdAt: statement.integer(4)
            ))
        }
        return tokens
    }

    public static func delete(_ id: Int64, in database: Database) throws {
        try database.prepare("DELETE FROM api_tokens WHERE id = ?").bind(.integer(id)).run()
    }
}
