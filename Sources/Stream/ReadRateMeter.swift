/// A reader's consumption rate: bytes per second, smoothed over refreshes; unknown for its first second.
struct ReadRateMeter: Sendable {
    private var bytesSinceSample = 0
    private var lastSample: ContinuousClock.Instant
    private(set) var rate: Double?

    init(now: ContinuousClock.Instant = .now) { lastSample = now }

    mutating func add(_ bytes: Int) { bytesSinceSample += bytes }

    /// Folds the bytes read since the last sample into the rate (half old, half new), at most once a second.
    mutating func sample(now: ContinuousClock.Instant = .now) {
        let elapsed = now - lastSample
        guard elapsed >= .seconds(1) else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let current = Double(bytesSinceSample) / seconds
        rate = rate.map { $0 / 2 + current / 2 } ?? current
        bytesSinceSample = 0
        lastSample = now
    }
}
