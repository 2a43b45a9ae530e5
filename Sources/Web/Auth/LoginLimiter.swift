import Synchronization

/// Login rate limiting: a token bucket per client address (a burst of `perAddress`, refilled over a minute) and
/// one for everyone together (`global` per minute). The address table holds at most `maxAddresses` entries; when
/// full, the least recently seen address is forgotten (an attacker rotating addresses still meets the global
/// bucket). Thread-safe; `allow` is O(1) amortised except for the rare eviction scan.
public final class LoginLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private struct State {
        var addresses: [String: Bucket] = [:]
        var global: Bucket
    }

    private let perAddress: Double
    private let global: Double
    private let maxAddresses: Int
    private let state: Mutex<State>

    public init(perAddress: Int, global: Int, maxAddresses: Int, now: Double) {
        self.perAddress = Double(max(1, perAddress))
        self.global = Double(max(1, global))
        self.maxAddresses = max(1, maxAddresses)
        state = Mutex(State(global: Bucket(tokens: Double(max(1, global)), updated: now)))
    }

    /// Whether one more attempt from `address` may run now; if not, the seconds until one may.
    public func allow(_ address: String, now: Double) -> (allowed: Bool, retryAfter: Int) {
        state.withLock { state in
            var mine = state.addresses[address] ?? Bucket(tokens: perAddress, updated: now)
            Self.refill(&mine, capacity: perAddress, now: now)
            Self.refill(&state.global, capacity: global, now: now)
            defer {
                if state.addresses[address] == nil, state.addresses.count >= maxAddresses {
                    if let oldest = state.addresses.min(by: { $0.value.updated < $1.value.updated })?.key {
                        state.addresses[oldest] = nil
                    }
                }
                state.addresses[address] = mine
            }
            guard mine.tokens >= 1 else { return (false, Self.wait(mine, capacity: perAddress)) }
            guard state.global.tokens >= 1 else { return (false, Self.wait(state.global, capacity: global)) }
            mine.tokens -= 1
            state.global.tokens -= 1
            return (true, 0)
        }
    }

    /// Addresses remembered now (for tests of the bound).
    public var trackedAddresses: Int { state.withLock { $0.addresses.count } }

    private static func refill(_ bucket: inout Bucket, capacity: Double, now: Double) {
        let elapsed = max(0, now - bucket.updated)
        bucket.tokens = min(capacity, bucket.tokens + elapsed * capacity / 60)
        bucket.updated = now
    }

    private static func wait(_ bucket: Bucket, capacity: Double) -> Int {
        Int(((1 - bucket.tokens) * 60 / capacity).rounded(.up)) + 0
    }
}
