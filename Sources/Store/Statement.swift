import CSQLite

/// A prepared statement: bind parameters by 1-based index, `step()` through rows, read columns by 0-based index.
///
/// Owned by its `Database`, which finalises it on close; never use one after its database is closed.
public final class Statement {
    private let pointer: OpaquePointer
    private let connection: OpaquePointer
    /// The SQL text, for error messages.
    public let sql: String

    init(pointer: OpaquePointer, connection: OpaquePointer, sql: String) {
        self.pointer = pointer
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(pointer) }

    /// Makes the statement ready to run again and clears its bindings.
    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    /// Binds the values to parameters 1, 2, ... in order.
    @discardableResult
    public func bind(_ values: SQLValue...) throws(SQLiteError) -> Statement {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .null: result = sqlite3_bind_null(pointer, index)
            case .integer(let number): result = sqlite3_bind_int64(pointer, index, number)
            case .real(let number): result = sqlite3_bind_double(pointer, index, number)
            case .text(let text): result = sqlite3_bind_text(pointer, index, text, -1, rill_sqlite_transient())
            case .blob(let bytes):
                result = bytes.withUnsafeBytes {
                    sqlite3_bind_blob64(pointer, index, $0.baseAddress, sqlite3_uint64($0.count), rill_sqlite_transient())
                }
            }
            try check(result)
        }
        return self
    }

    /// Advances to the next row: true when a row is available, false when the statement is done.
    public func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(pointer)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(code: result, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
            sqlite3_reset(pointer)
            throw error
        }
    }

    /// Runs a statement that returns no rows.
    public func run() throws(SQLiteError) {
        while try step() {}
    }

    /// The column as an integer (0 for NULL).
    public func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(pointer, column) }

    /// The column as text, nil for NULL.
    public func text(_ column: Int32) -> String? {
        guard let characters = sqlite3_column_text(pointer, column) else { return nil }
        return String(cString: characters)
    }

    /// The column as bytes, nil for NULL.
    /// True when the column holds SQL NULL.
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }

    public func blob(_ column: Int32) -> [UInt8]? {
        guard sqlite3_column_type(pointer, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(pointer, column))
        guard count > 0, let bytes = sqlite3_column_blob(pointer, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private func check(_ result: Int32) throws(SQLiteError) {
        guard result == SQLITE_OK else {
            throw SQLiteError(code: result, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
    }
}

/// A value bound to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}
