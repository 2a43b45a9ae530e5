import Synchronization

/// BEP 15 connection ids by tracker address and binding, reused while younger than their lifetime.
///
/// Contract: an id is returned only while younger than `lifetime` (BEP 15: one minute). The key includes the
/// binding, because trackers tie an id to the client address: after the VPN changes, ids are fetched anew. At
/// most `capacity` ids are kept; inserting into a full cache drops expired ids, then the oldest. Thread-safe.
final class UDPConnectionIDCache: Sendable {
    struct Key: Hashable, Sendable {
        let tracker: String
        let interface: String?
        let source: String?
    }

    private struct Entry {
        let id: UInt64
        let obtained: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    /// The id for `key` and when it was obtained, when it is still valid at `now`.
    func lookup(_ key: Key, now: ContinuousClock.Instant) -> (id: UInt64, obtained: ContinuousClock.Instant)? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard now - entry.obtained < lifetime else {
                entries[key] = nil
                return nil
            }
            return (entry.id, entry.obtained)
        }
    }

    func store(_ id: UInt64, for key: Key, obtained: ContinuousClock.Instant) {
        let lifetime = lifetime, capacity = capacity
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= capacity {
                entries = entries.filter { obtained - $0.value.obtained < lifetime }
                while entries.count >= capacity, let oldest = entries.min(by: { $0.value.obtained < $1.value.obtained }) {
                    entries[oldest.key] = nil
                }
            }
            entries[key] = Entry(id: id, obtained: obtained)
        }
    }

    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    var count: Int { entries.withLock { $0.count } }
}
