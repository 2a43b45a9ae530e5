import Logging
import Synchronization

/// Feeds an open `WatchdogDevice` from a thread of its own, but only on proof that the daemon works: each tick it
/// reads the health monitor's latest heartbeat and feeds only when that heartbeat is fresh (younger than
/// `staleAfter`) and healthy. The thread keeps time by itself (so a busy task pool cannot delay a due feed), yet it
/// cannot keep a frozen daemon alive: a frozen task pool or event loop stops the heartbeats, and the board resets
/// one timeout after the last feed.
///
/// `stop()` ends the thread and disarms the device (magic close). A daemon that dies without `stop()` leaves the
/// device armed.
public final class WatchdogFeeder: Sendable {
    public struct Settings: Sendable {
        /// Time between feed attempts.
        public var feedInterval: Duration
        /// A heartbeat older than this does not count.
        public var staleAfter: Duration

        public init(feedInterval: Duration = .seconds(1), staleAfter: Duration = .seconds(5)) {
            self.feedInterval = feedInterval
            self.staleAfter = staleAfter
        }
    }

    /// What the feeder has done, for `/api/v1/status` and measurements.
    public struct Statistics: Sendable, Equatable, Encodable {
        public var feeds = 0
        /// Ticks on which it did not feed (stale or unhealthy heartbeat, or a failed keepalive).
        public var withheld = 0
        /// The longest time between two consecutive feeds, in milliseconds.
        public var longestGapMilliseconds = 0
        /// Why the latest tick did not feed; nil while feeding.
        public var withholding: String? = "not started"
        var loggedWithholding = false
        /// `SystemFacts.monotonicSeconds()` of the last feed.
        public var lastFeedAt: Double?

        enum CodingKeys: String, CodingKey {
            case feeds, withheld, withholding
            case longestGapMilliseconds = "longest_gap_ms"
        }
    }

    public let device: WatchdogDevice
    private let settings: Settings
    private let heartbeat: @Sendable () -> HealthHeartbeat?
    private let logger: Logger
    private let stopSignal: WakeupPipe
    private let thread: Mutex<DeviceThread?> = Mutex(nil)
    private let statistics = Mutex(Statistics())

    /// `heartbeat` is called on the feeder's thread each tick; it must not block (`HealthMonitor.heartbeat`).
    public init(
        device: WatchdogDevice, settings: Settings = Settings(), logger: Logger,
        heartbeat: @escaping @Sendable () -> HealthHeartbeat?
    ) throws(WatchdogError) {
        guard let pipe = WakeupPipe() else { throw WatchdogError(path: device.path, operation: "pipe", errno: 24) }
        self.device = device
        self.settings = settings
        self.heartbeat = heartbeat
        self.logger = logger
        self.stopSignal = pipe
    }

    /// Starts the feeding thread.
    public func start() throws(WatchdogError) {
        guard let started = DeviceThread(body: { [self] in loop() }) else {
            throw WatchdogError(path: device.path, operation: "thread", errno: 11)
        }
        thread.withLock { $0 = started }
    }

    /// Stops feeding, ends the thread and disarms the device with the magic close.
    public func stop() throws(WatchdogError) {
        stopSignal.signal()
        let running = thread.withLock { thread -> DeviceThread? in
            defer { thread = nil }
            return thread
        }
        running?.join()
        try device.closeDisarmed()
    }

    /// A copy of the counters.
    public var current: Statistics { statistics.withLock { $0 } }

    private func loop() {
        let interval = settings.feedInterval.seconds
        let staleAfter = settings.staleAfter.seconds
        var next = SystemFacts.monotonicSeconds()
        while true {
            let now = SystemFacts.monotonicSeconds()
            if stopSignal.wait(seconds: next - now) { return }
            next += interval
            let after = SystemFacts.monotonicSeconds()
            if next < after { next = after + interval }  // the thread itself was held up: do not try to catch up
            tick(now: after, staleAfter: staleAfter)
        }
    }

    private func tick(now: Double, staleAfter: Double) {
        var reason: String?
        if let beat = heartbeat() {
            let age = now - beat.at
            if age > staleAfter {
                reason = "no health heartbeat for \(Int(age.rounded())) s"
            } else if !beat.healthy {
                reason = "unhealthy: \(beat.failing.joined(separator: ", "))"
            }
        } else {
            reason = "no health heartbeat yet"
        }
        if reason == nil {
            do {
                try device.keepAlive()
            } catch {
                reason = "keepalive failed: \(error)"
            }
        }
        // The log follows changes between feeding and withholding; it stays quiet before the first feed (the
        // health monitor says why the daemon is not healthy yet).
        let logChange: Bool? = statistics.withLock { stats in
            if reason != nil {
                stats.withheld += 1
            } else {
                if let last = stats.lastFeedAt {
                    stats.longestGapMilliseconds = max(stats.longestGapMilliseconds, Int(((now - last) * 1000).rounded()))
                }
                stats.feeds += 1
                stats.lastFeedAt = now
            }
            stats.withholding = reason
            let withholding = reason != nil
            guard stats.feeds > 0, withholding != stats.loggedWithholding else { return nil }
            stats.loggedWithholding = withholding
            return withholding
        }
        switch logChange {
        case true?:
            logger.warning("not feeding the watchdog", metadata: ["device": "\(device.path)", "reason": "\(reason ?? "")"])
        case false?:
            logger.notice("feeding the watchdog again", metadata: ["device": "\(device.path)"])
        case nil:
            break
        }
    }
}
