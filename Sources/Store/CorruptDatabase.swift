#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A damaged database file that was moved out of the way, never deleted, so its data can still be rescued.
public struct SetAsideDatabase: Sendable, Equatable {
    /// Where the damaged file now lives (`rill.db.corrupt-20261121T101500Z`).
    public let path: String
    /// What SQLite said about it.
    public let reason: String
    /// Unix time of the move.
    public let at: Int64
}

/// Moves a damaged database and its `-wal`/`-shm` companions aside under one timestamped name.
enum CorruptDatabase {
    static func setAside(_ path: String, reason: String, now: Int64) throws -> SetAsideDatabase {
        let base = "\(path).corrupt-\(timestamp(now))"
        var target = base
        var attempt = 1
        while access(target, F_OK) == 0 {
            attempt += 1
            target = "\(base)-\(attempt)"
        }
        guard rename(path, target) == 0 else {
            throw StoreError.cannotSetAside(path: path, reason: String(cString: strerror(errno)))
        }
        for suffix in ["-wal", "-shm"] where access(path + suffix, F_OK) == 0 {
            guard rename(path + suffix, target + suffix) == 0 else {
                throw StoreError.cannotSetAside(path: path + suffix, reason: String(cString: strerror(errno)))
            }
        }
        return SetAsideDatabase(path: target, reason: reason, at: now)
    }

    /// `20261121T101500Z` for a Unix time.
    static func timestamp(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
