import CSQLite

/// A failed SQLite call: the result code, SQLite's message and the statement it was running.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The primary result code (`SQLITE_CORRUPT`, `SQLITE_BUSY`, ...).
    public let code: Int32
    /// SQLite's own explanation.
    public let message: String
    /// The SQL being prepared or run, when there was one.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.message = message
        self.sql = sql
    }

    /// True when the file is damaged or is not a database at all: the only errors for which the store sets the file
    /// aside. I/O errors, a full disk or a missing permission are never treated as corruption.
    /// What `PRAGMA integrity_check` found, as a corruption error.
    static func integrityFailure(_ problems: [String]) -> SQLiteError {
        SQLiteError(code: SQLITE_CORRUPT, message: problems.joined(separator: "; "))
    }

    public var isCorruption: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }

    public var description: String {
        let name = String(cString: sqlite3_errstr(code))
        return sql.map { "\(name) (\(code)): \(message) — in: \($0)" } ?? "\(name) (\(code)): \(message)"
    }
}
