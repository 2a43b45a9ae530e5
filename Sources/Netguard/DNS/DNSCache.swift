/// Answers kept for their TTL (clamped to a floor and a ceiling), at most `capacity` names. When full, expired
/// entries go first, then the one closest to expiry. Time is passed in, so tests need no clock.
struct DNSCache {
    struct Key: Hashable {
        let name: String
        let includesIPv6: Bool
    }

    private struct Entry {
        let addresses: [IPAddress]
        let expires: ContinuousClock.Instant
    }

    let capacity: Int
    let minimumTTL: Duration
    let maximumTTL: Duration
    private var entries: [Key: Entry] = [:]

    init(capacity: Int, minimumTTL: Duration, maximumTTL: Duration) {
        self.capacity = max(0, capacity)
        self.minimumTTL = minimumTTL
        self.maximumTTL = maximumTTL
    }

    var count: Int { entries.count }

    func lookup(_ key: Key, now: ContinuousClock.Instant) -> [IPAddress]? {
        guard let entry = entries[key], entry.expires > now else { return nil }
        return entry.addresses
    }

    /// Keeps `addresses` for `ttl` seconds, clamped; a TTL of 0 is not cached at all (the server said so).
    mutating func insert(_ addresses: [IPAddress], for key: Key, ttl: UInt32, now: ContinuousClock.Instant) {
        guard capacity > 0, ttl > 0, !addresses.isEmpty else { return }
        let lifetime = min(max(Duration.seconds(Int64(ttl)), minimumTTL), maximumTTL)
        if entries[key] == nil, entries.count >= capacity {
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity, let soonest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
                entries.removeValue(forKey: soonest)
            }
        }
        entries[key] = Entry(addresses: addresses, expires: now + lifetime)
    }

    mutating func removeAll() { entries = [:] }
}
