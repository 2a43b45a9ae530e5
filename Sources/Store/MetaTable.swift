/// The `meta` table: small named facts about this installation (its id, when it was created).
public enum MetaTable {
    /// The value stored under `key`, or nil.
    public static func value(_ key: String, in database: Database) throws -> String? {
        let statement = try database.prepare("SELECT value FROM meta WHERE key = ?").bind(.text(key))
        return try statement.step() ? statement.text(0) : nil
    }

    /// Stores `value` under `key`, replacing an earlier value.
    public static func set(_ key: String, to value: String, in database: Database) throws {
        try database.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(.text(key), .text(value))
            .run()
    }
}
