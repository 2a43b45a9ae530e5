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
    ]
}
