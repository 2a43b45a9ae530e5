/// Errors of the store beyond a single SQLite call.
public enum StoreError: Error, Sendable, Equatable {
    /// The database was written by a newer Rill; refusing to touch it keeps a downgrade from destroying data.
    case newerSchema(database: Int, supported: Int)
    /// The store was closed (the daemon is shutting down).
    case closed
    /// The data directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// A damaged database could not be moved out of the way.
    case cannotSetAside(path: String, reason: String)
    /// A value is larger than its table accepts.
    case valueTooLarge(table: String, limit: Int)
}
