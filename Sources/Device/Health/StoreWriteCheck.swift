import Store

/// Passes when the database takes a tiny write: one row of the `meta` table updated and committed. Proves the data
/// disk is mounted writable, not hung, and the store's connection is not stuck behind a lock. Every run writes a
/// page to the card, so the default interval is 30 s (the monitor never runs it more often than `interval`).
///
/// A full disk is not a failure: a torrent box fills its disk in ordinary use, and resetting the board (what an
/// unhealthy daemon leads to) would not empty it. It passes with a note instead.
public struct StoreWriteCheck: HealthCheck {
    public let name = "store"
    public let timeout: Duration
    public let interval: Duration
    private let store: Store

    /// SQLite's `SQLITE_FULL` result code.
    static let sqliteFull: Int32 = 13

    public init(store: Store, timeout: Duration = .seconds(10), interval: Duration = .seconds(30)) {
        self.store = store
        self.timeout = timeout
        self.interval = interval
    }

    public func run() async -> HealthCheckOutcome {
        let stamp = String(Int(SystemFacts.monotonicSeconds() * 1000))
        do {
            try await store.write { database in
                try MetaTable.set("health.probe", to: stamp, in: database)
            }
            return .pass("wrote and committed")
        } catch let error as SQLiteError where error.code == Self.sqliteFull {
            return .pass("the data disk is full: \(error)")
        } catch {
            return .fail("cannot write: \(error)")
        }
    }
}
