/// When the next announce round starts: after a success, the tracker's interval within the configured floor and
/// cap but never before its `min interval`; after failures, an exponential back-off.
enum AnnounceSchedule {
    /// `max(min(max(interval, floor), cap), minInterval)`: the floor and cap bound what a tracker asks for, and
    /// the tracker's minimum wins over the cap (announcing sooner would only be refused).
    static func delay(after response: AnnounceResponse, configuration: TrackerAnnouncer.Configuration) -> Duration {
        let bounded = min(max(response.interval, configuration.minimumInterval), configuration.maximumInterval)
        return max(bounded, response.minInterval ?? .zero)
    }

    /// `retryDelay · 2^(failures − 1)`, at most `maximumRetryDelay`; `failures` counts whole failed rounds (≥ 1).
    static func delay(afterFailedRounds failures: Int, configuration: TrackerAnnouncer.Configuration) -> Duration {
        let exponent = min(max(failures - 1, 0), 20)
        return min(configuration.retryDelay * (1 << exponent), configuration.maximumRetryDelay)
    }
}
