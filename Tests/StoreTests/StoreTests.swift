import Logging
import Store
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("SQLite store: migrations, transactions, damaged files")
struct StoreTests {
    @Test("a new database gets every migration once; reopening applies none")
    func migrationsApplyOnce() async throws {
        let directory = try TemporaryDirectory()
        let first = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        #expect(first.report.appliedMigrations == Migrations.all.map(\.version))
        #expect(first.report.schemaVersion == Migrations.all.count)
        try await first.write { try MetaTable.set("instance", to: "abc", in: $0) }
        await first.close()

        let second = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        #expect(second.report.appliedMigrations.isEmpty)
        #expect(second.report.setAside == nil)
        let rows = try await second.read { database -> Int64 in
            let statement = try database.prepare("SELECT COUNT(*) FROM schema_migrations")
            _ = try statement.step()
            return statement.integer(0)
        }
        #expect(rows == Int64(Migrations.all.count))
        #expect(try await second.read { try MetaTable.value("instance", in: $0) } == "abc")
        await second.close()
    }

    @Test("the connection runs in WAL mode with synchronous=NORMAL")
    func pragmas() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        let (journal, synchronous) = try await store.read { database -> (String, Int64) in
            let journal = try database.prepare("PRAGMA journal_mode")
            _ = try journal.step()
            let mode = journal.text(0) ?? ""
            let sync = try database.prepare("PRAGMA synchronous")
            _ = try sync.step()
            return (mode, sync.integer(0))
        }
        #expect(journal == "wal")
        #expect(synchronous == 1)
        await store.close()
    }

    @Test("an error inside a write rolls the whole transaction back")
    func rollback() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await store.write { database in
                try MetaTable.set("half", to: "done", in: database)
                throw Abort()
            }
        }
        #expect(try await store.read { try MetaTable.value("half", in: $0) } == nil)
        await store.close()
        await #expect(throws: StoreError.closed) { try await store.read { _ in 0 } }
    }

    @Test("a database from a newer Rill is refused, not migrated or set aside")
    func newerSchema() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        try await store.write { database in
            try database.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run()
        }
        await store.close()
        #expect(throws: StoreError.newerSchema(database: 999, supported: Migrations.all.count)) {
            _ = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        }
    }

    @Test("a file of garbage is set aside with a log line, and a fresh database is created")
    func garbageFileIsSetAside() async throws {
        let directory = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<64 * 1024).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try directory.write("rill.db", garbage)
        let log = LogCapture()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: log.logger)
        let moved = try #require(store.report.setAside)
        #expect(moved.path.hasPrefix(directory.path + "/rill.db.corrupt-"))
        #expect(try directory.read(moved.path) == garbage, "the damaged file must be kept byte for byte")
        #expect(log.lines.contains { $0.contains("set aside") && $0.contains(moved.path) })
        #expect(store.report.appliedMigrations == Migrations.all.map(\.version))
        try await store.write { try MetaTable.set("fresh", to: "yes", in: $0) }
        await store.close()
    }

    @Test("a truncated database is detected by the integrity check and set aside")
    func truncatedFileIsSetAside() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        try await store.write { database in
            for row in 0..<2000 {
                try MetaTable.set("key-\(row)", to: String(repeating: "v", count: 200), in: database)
            }
        }
        await store.close()
        let path = directory.path + "/rill.db"
        let original = try directory.read(path)
        #expect(original.count > 100_000)
        try directory.write("rill.db", Array(original.prefix(original.count / 2)))

        let log = LogCapture()
        let reopened = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: log.logger)
        let moved = try #require(reopened.report.setAside)
        #expect(try directory.read(moved.path).count == original.count / 2)
        #expect(log.lines.contains { $0.contains("damaged") })
        #expect(try await reopened.read { try MetaTable.value("key-1", in: $0) } == nil)
        await reopened.close()
    }

    @Test("prepared statements are cached and reusable with new bindings")
    func statementsAreReused() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(directory: directory.path, busyTimeoutMilliseconds: 1000, logger: Logger(label: "test"))
        let values = try await store.write { database -> [String?] in
            try MetaTable.set("a", to: "1", in: database)
            try MetaTable.set("b", to: "2", in: database)
            try MetaTable.set("a", to: "3", in: database)
            return [try MetaTable.value("a", in: database), try MetaTable.value("b", in: database), try MetaTable.value("c", in: database)]
        }
        #expect(values == ["3", "2", nil])
        await store.close()
    }
}
