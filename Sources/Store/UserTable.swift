/// One person who may log in. `passwordHash` is the self-describing scrypt string (`$scrypt$ln=…`), never a
/// password; `role` is `admin` or `user` (the Web target gives the words their meaning).
public struct UserRecord: Sendable, Equatable {
    /// Assigned by SQLite on insert; 0 for a record not yet saved.
    public var id: Int64
    public var username: String
    public var passwordHash: String
    public var role: String
    /// Unix seconds.
    public var createdAt: Int64

    public init(id: Int64 = 0, username: String, passwordHash: String, role: String, createdAt: Int64) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.role = role
        self.createdAt = createdAt
    }
}

/// The `users` table. Usernames are unique as stored (callers normalise them first).
public enum UserTable {
    private static let columns = "id, username, password_hash, role, created_at"

    /// Inserts a new user and returns its id; a taken username fails with SQLite's constraint error.
    public static func insert(_ user: UserRecord, in database: Database) throws -> Int64 {
        let statement = try database.prepare("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?) RETURNING id")
            .bind(.text(user.username), .text(user.passwordHash), .text(user.role), .integer(user.createdAt))
        guard try statement.step() else { return 0 }
        let id = statement.integer(0)
        while try statement.step() {}
        return id
    }

    /// Every user, oldest first.
    public static func all(in database: Database) throws -> [UserRecord] {
        let statement = try database.prepare("SELECT \(columns) FROM users ORDER BY id")
        var users: [UserRecord] = []
        while try statement.step() { users.append(record(from: statement)) }
        return users
    }

    public static func setPasswordHash(_ hash: String, of id: Int64, in database: Database) throws {
        try database.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(.text(hash), .integer(id)).run()
    }

    public static func setRole(_ role: String, of id: Int64, in database: Database) throws {
        try database.prepare("UPDATE users SET role = ? WHERE id = ?").bind(.text(role), .integer(id)).run()
    }

    /// Deletes the user; its sessions and tokens go with it (foreign keys cascade).
    public static func delete(_ id: Int64, in database: Database) throws {
        try database.prepare("DELETE FROM users WHERE id = ?").bind(.integer(id)).run()
    }

    private static func record(from row: Statement) -> UserRecord {
        UserRecord(
            id: row.integer(0), username: row.text(1) ?? "", passwordHash: row.text(2) ?? "", role: row.text(3) ?? "",
            createdAt: row.integer(4)
        )
    }
}
