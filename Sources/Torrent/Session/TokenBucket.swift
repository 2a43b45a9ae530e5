import NIOCore

/// A rate limit in bytes per second: tokens refill continuously up to a burst of a tenth of a second's worth
/// (at least one block), and each transfer takes its size. A rate of 0 means no limit.
struct TokenBucket {
    private(set) var rate: Int
    private var tokens: Double
    private var last: NIODeadline

    init(rate: Int, now: NIODeadline = .now()) {
        self.rate = max(0, rate)
        tokens = 0
        last = now
        tokens = burst
    }

    var isLimited: Bool { rate > 0 }

    private var burst: Double { Double(max(rate / 10, BlockRequest.standardLength)) }

    mutating func setRate(_ newRate: Int, now: NIODeadline = .now()) {
        refill(now: now)
        rate = max(0, newRate)
        tokens = min(tokens, burst)
    }

    /// Takes `bytes` when there are enough tokens; `false` (and nothing taken) when not.
    mutating func take(_ bytes: Int, now: NIODeadline = .now()) -> Bool {
        guard rate > 0 else { return true }
        refill(now: now)
        guard tokens >= Double(bytes) else { return false }
        tokens -= Double(bytes)
        return true
    }

    /// How long until `bytes` tokens are there.
    func wait(for bytes: Int) -> TimeAmount {
        guard rate > 0 else { return .zero }
        let missing = max(0, Double(bytes) - tokens)
        return .nanoseconds(Int64(missing / Double(rate) * 1e9) + 1_000_000)
    }

    private mutating func refill(now: NIODeadline) {
        let elapsed = Double((now - last).nanoseconds) / 1e9
        last = now
        guard elapsed > 0 else { return }
        tokens = min(burst, tokens + elapsed * Double(rate))
    }
}

/// Takes from two buckets (the torrent's and the engine's) or from neither.
func takeBoth(_ bytes: Int, _ first: inout TokenBucket, _ second: inout TokenBucket) -> Bool {
    let now = NIODeadline.now()
    guard first.take(bytes, now: now) else { return false }
    guard second.take(bytes, now: now) else {
        first.giveBack(bytes)
        return false
    }
    return true
}

extension TokenBucket {
    /// Returns tokens taken for a transfer that did not happen.
    mutating func giveBack(_ bytes: Int) {
        guard rate > 0 else { return }
        tokens += Double(bytes)
    }
}
