/// Rill's schema, as the list of every migration ever released. Append; never edit or renumber a released one.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(
            version: 1, name: "meta",
            sql: """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                """
        ),
        Migration(
            version: 2, name: "torrents",
            sql: """
                CREATE TABLE torrents (
                    info_hash TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    magnet TEXT,
                    metainfo BLOB,
                    save_path TEXT NOT NULL,
                    paused INTEGER NOT NULL DEFAULT 0,
                    file_priorities BLOB,
                    added_at INTEGER NOT NULL,
                    completed_at INTEGER
                ) WITHOUT ROWID;
                """
        ),
        Migration(
            version: 3, name: "torrents.stream_only",
            sql: """
                ALTER TABLE torrents ADD COLUMN stream_only INTEGER NOT NULL DEFAULT 0;
                """
        ),
        Migration(
            version: 4, name: "users, sessions, api_tokens",
            sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE sessions (
                    id_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE api_tokens (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL
                );
                """
        ),
        Migration(
            version: 5, name: "media_probes",
            sql: """
                CREATE TABLE media_probes (
                    info_hash TEXT NOT NULL,
                    file_index INTEGER NOT NULL,
                    file_length INTEGER NOT NULL,
                    info_json TEXT,
                    error TEXT,
                    probed_at INTEGER NOT NULL,
                    PRIMARY KEY (info_hash, file_index)
                ) WITHOUT ROWID;
                """
        ),
    ]
}
