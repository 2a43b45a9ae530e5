/// Bytes moved and a smoothed rate, updated once per engine tick.
struct RateMeter {
    private(set) var total: Int64 = 0
    private var sinceTick: Int64 = 0
    /// Bytes per second, smoothed over the last few ticks.
    private(set) var rate: Double = 0

    mutating func add(_ bytes: Int) {
        total += Int64(bytes)
        sinceTick += Int64(bytes)
    }

    mutating func tick(seconds: Double) {
        let instant = seconds > 0 ? Double(sinceTick) / seconds : 0
        rate = rate * 0.5 + instant * 0.5
        if rate < 1 { rate = 0 }
        sinceTick = 0
    }
}
