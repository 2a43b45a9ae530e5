import CSQLite

/// One SQLite connection: WAL journal, `synchronous=NORMAL`, foreign keys on, a busy timeout.
///
/// Not thread-safe and not `Sendable`: exactly one owner (the `Store` actor) uses it. Statements are prepared once
/// and cached by their SQL text, so hot queries are not re-parsed.
public final class Database {
    private var handle: OpaquePointer?
    private var statements: [String: Statement] = [:]
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies the connection settings.
    public init(path: String, busyTimeoutMilliseconds: Int) throws(SQLiteError) {
        self.path = path
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &connection, flags, nil)
        guard result == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(connection)
            throw SQLiteError(code: result, message: message)
        }
        handle = connection
        sqlite3_extended_result_codes(connection, 0)
        sqlite3_busy_timeout(connection, Int32(clamping: busyTimeoutMilliseconds))
        do {
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = NORMAL")
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Finalises every statement and closes the connection; later calls fail with `SQLITE_MISUSE`.
    public func close() {
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs one or more statements that return no rows of interest.
    public func execute(_ sql: String) throws(SQLiteError) {
        let connection = try open()
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(connection, sql, nil, nil, &message)
        if result != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(connection))
            sqlite3_free(message)
            throw SQLiteError(code: result, message: text, sql: sql)
        }
    }

    /// The cached prepared statement for `sql`, reset and with its bindings cleared.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let connection = try open()
        var pointer: OpaquePointer?
        let result = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard result == SQLITE_OK, let pointer else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        let statement = Statement(pointer: pointer, connection: connection, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; any thrown error rolls the whole transaction back.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rows `PRAGMA integrity_check` reports; `["ok"]` for a sound database.
    public func integrityCheck(maxErrors: Int = 20) throws(SQLiteError) -> [String] {
        let statement = try prepare("PRAGMA integrity_check(\(maxErrors))")
        var rows: [String] = []
        while try statement.step() { rows.append(statement.text(0) ?? "") }
        return rows
    }

    private func open() throws(SQLiteError) -> OpaquePointer {
        guard let handle else { throw SQLiteError(code: SQLITE_MISUSE, message: "the database is closed") }
        return handle
    }
}
