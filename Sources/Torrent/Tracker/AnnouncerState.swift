import FoundationEssentials

/// The bookkeeping of one ``TrackerAnnouncer``: per-tracker status and events, completion, early-round
/// requests. Plain data behind the announcer's lock; no I/O, no clocks of its own.
struct AnnouncerState {
    struct Tracker {
        var status: TrackerStatus
        var url: Result<TrackerURL, TrackerError>
        /// The tracker answered a `started` and has not been sent `stopped` since.
        var startedSent = false
        var trackerID: [UInt8]?
    }

    var tiers: TrackerTiers
    private(set) var trackers: [String: Tracker] = [:]
    /// Every announce is this request with the totals, event and tracker id filled in.
    let template: AnnounceRequest
    var completeAtStart = false
    private(set) var completionPending = false
    private(set) var completionSent = false
    /// `markCompleted()` asked for a round now.
    private(set) var urgent = false
    /// `announceNow()` asked for a round as soon as `min interval` allows.
    var requested = false
    private(set) var lastSuccess: ContinuousClock.Instant?
    private(set) var lastMinInterval: Duration?

    init(tiers: TrackerTiers, template: AnnounceRequest) {
        self.tiers = tiers
        self.template = template
        for entry in tiers.ordered {
            let parsed = Result { () throws(TrackerError) in try TrackerURL(entry.url) }
            trackers[entry.url] = Tracker(status: TrackerStatus(url: entry.url, tier: entry.tier), url: parsed)
        }
    }

    /// Statuses in the order a round tries the trackers.
    var statuses: [TrackerStatus] { tiers.ordered.compactMap { trackers[$0.url]?.status } }

    /// Records that the torrent was (or was not) complete when the announcer started.
    mutating func started(complete: Bool) {
        completeAtStart = complete
        if complete { completionPending = false }
    }

    /// Marks the download complete; true when a `completed` announce is now due.
    mutating func markCompleted() -> Bool {
        guard !completeAtStart, !completionSent, !completionPending else { return false }
        completionPending = true
        urgent = true
        return true
    }

    /// When the next round may start: `scheduled`, now for a pending completion, or for `announceNow()` as soon
    /// as the last answering tracker's `min interval` has passed. Clears the early-round requests it honours.
    mutating func roundStart(scheduled: ContinuousClock.Instant, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var target = scheduled
        if urgent { target = now }
        if requested {
            let allowed = lastSuccess.map { $0 + (lastMinInterval ?? .zero) } ?? now
            target = min(target, max(now, allowed))
        }
        if target <= now {
            urgent = false
            requested = false
        }
        return target
    }

    /// The URL and request for the next announce to `url` (marked as announcing), the URL's parse error, or
    /// `nil` for an unknown URL. Event: `started` for a tracker that has not seen us, else `completed` while
    /// pending, else none.
    mutating func prepare(_ urlText: String, totals: TrackerAnnouncer.Progress) -> Result<(url: TrackerURL, request: AnnounceRequest), TrackerError>? {
        guard var tracker = trackers[urlText] else { return nil }
        let url: TrackerURL
        switch tracker.url {
        case .success(let parsed): url = parsed
        case .failure(let error): return .failure(error)
        }
        var request = template
        request.uploaded = totals.uploaded
        request.downloaded = totals.downloaded
        request.left = totals.left
        request.event = !tracker.startedSent ? .started : completionPending ? .completed : .none
        request.trackerID = tracker.trackerID
        tracker.status.state = .announcing
        trackers[urlText] = tracker
        return .success((url, request))
    }

    mutating func recordSuccess(_ response: AnnounceResponse, for url: String, request: AnnounceRequest, at now: ContinuousClock.Instant) {
        tiers.succeeded(url)
        lastSuccess = now
        lastMinInterval = response.minInterval
        if request.event == .completed || (request.event == .started && request.left == 0 && completionPending) {
            completionPending = false
            completionSent = true
        }
        guard var tracker = trackers[url] else { return }
        if request.event == .started { tracker.startedSent = true }
        if let id = response.trackerID { tracker.trackerID = id }
        tracker.status.state = .working
        tracker.status.lastAnnounce = Date.now
        tracker.status.lastPeerCount = response.peers.count
        tracker.status.seeders = response.complete
        tracker.status.leechers = response.incomplete
        tracker.status.warningMessage = response.warningMessage
        trackers[url] = tracker
    }

    /// Marks `urls` as failed with `message`; returns those whose state changed (to log once per change).
    mutating func recordFailure(of urls: [String], message: String) -> [String] {
        var changed: [String] = []
        for url in urls {
            guard var tracker = trackers[url] else { continue }
            if tracker.status.state != .error(message) { changed.append(url) }
            tracker.status.state = .error(message)
            tracker.status.lastAnnounce = Date.now
            trackers[url] = tracker
        }
        return changed
    }

    mutating func scheduleNext(at date: Date) {
        for url in trackers.keys { trackers[url]?.status.nextAnnounce = date }
    }

    /// The trackers that should hear `stopped`, with the request to send each.
    func stoppedAnnounces(totals: TrackerAnnouncer.Progress) -> [(url: TrackerURL, request: AnnounceRequest)] {
        trackers.values.compactMap { tracker in
            guard tracker.startedSent, case .success(let url) = tracker.url else { return nil }
            var request = template
            request.uploaded = totals.uploaded
            request.downloaded = totals.downloaded
            request.left = totals.left
            request.event = .stopped
            request.numWant = 0
            request.trackerID = tracker.trackerID
            return (url, request)
        }
    }

    /// After `stopped`: every tracker idle, nothing scheduled.
    mutating func resetAfterStop() {
        for url in trackers.keys {
            trackers[url]?.startedSent = false
            trackers[url]?.status.state = .idle
            trackers[url]?.status.nextAnnounce = nil
        }
    }
}
