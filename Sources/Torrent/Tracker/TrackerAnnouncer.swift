import FoundationEssentials
import Logging
import Synchronization

/// Keeps one torrent announced to its trackers (BEP 3, BEP 12) from ``start()`` to ``stop()``.
///
/// Contract:
/// - One task per announcer, and at most one announce in flight (plus the `stopped` announces in ``stop()``).
///   A round tries ``TrackerTiers/ordered`` until one tracker answers; that tracker moves to the front of its tier.
/// - Events: a tracker that has not seen this torrent yet gets `started`; after ``markCompleted()`` the next
///   announce says `completed` (once, and never for a torrent that was complete at ``start()``); ``stop()``
///   sends `stopped` to every tracker that got a `started`, in parallel, each bounded by
///   ``Configuration/stopTimeout``, even when the calling task is cancelled.
/// - Schedule: the first round at once; after a success the tracker's interval within
///   ``Configuration/minimumInterval`` and ``Configuration/maximumInterval`` but never before its `min interval`;
///   after a failed round ``Configuration/retryDelay`` doubling up to ``Configuration/maximumRetryDelay``.
///   ``markCompleted()`` announces at once; ``announceNow()`` as soon as the last tracker's `min interval` allows.
/// - Fail closed: when `binding` returns `nil` (no VPN) nothing is sent and the round counts as failed.
/// - Peers from each successful announce go to `onPeers` (IPv6 ones dropped when the binding forbids IPv6),
///   called on the announcer's task: keep it short (hand the list to the session's event loop).
/// - A failure is logged once per change of a tracker's state, not on every retry.
/// - ``statuses`` is safe to read from any thread at any time.
public final class TrackerAnnouncer: Sendable {
    /// Timing and request settings.
    public struct Configuration: Sendable {
        /// Shortest regular interval, whatever the tracker says (a floor against hammering). Default 60 s.
        public var minimumInterval: Duration = .seconds(60)
        /// Longest regular interval, whatever the tracker says (below its `min interval` it yields). Default 1 h.
        public var maximumInterval: Duration = .seconds(3600)
        /// Budget of one announce to one tracker. Default 60 s.
        public var announceTimeout: Duration = .seconds(60)
        /// Budget of the `stopped` announces. Default 5 s.
        public var stopTimeout: Duration = .seconds(5)
        /// Wait after the first failed round; doubles with each further one. Default 15 s.
        public var retryDelay: Duration = .seconds(15)
        /// Longest wait after failed rounds. Default 30 min.
        public var maximumRetryDelay: Duration = .seconds(1800)
        /// Peers asked for per announce. Default 50.
        public var numWant = 50

        public init() {}
    }

    /// What the torrent has transferred, as trackers want it.
    public struct Progress: Sendable, Hashable {
        public var uploaded: Int64
        public var downloaded: Int64
        public var left: Int64

        public init(uploaded: Int64, downloaded: Int64, left: Int64) {
            self.uploaded = uploaded
            self.downloaded = downloaded
            self.left = left
        }
    }

    private enum Phase {
        case created
        case running(Task<Void, Never>)
        case stopped
    }

    private enum RoundOutcome {
        case succeeded(AnnounceResponse)
        case failed
        case cancelled
        case noTrackers
    }

    private let client: any TrackerClient
    private let configuration: Configuration
    private let binding: @Sendable () -> NetworkBinding?
    private let progress: @Sendable () -> Progress
    private let onPeers: @Sendable ([PeerAddress]) -> Void
    private let logger: Logger
    private let state: Mutex<AnnouncerState>
    private let phase = Mutex(Phase.created)
    private let wakeup = AnnouncerWakeup()
    private let clock = ContinuousClock()

    /// - Parameters:
    ///   - key: random per client session (BEP 7 `key`), the same for all of this client's torrents is fine.
    ///   - tiers: the torrent's trackers.
    ///   - client: usually a ``TrackerClients``.
    ///   - binding: the engine's current binding, or `nil` while the VPN is down (nothing is sent then).
    ///   - progress: the torrent's current totals, read for every announce.
    ///   - onPeers: receives the peers of each successful announce.
    public init(
        infoHash: InfoHash,
        peerID: PeerID,
        port: UInt16,
        key: UInt32 = UInt32.random(in: .min ... .max),
        tiers: TrackerTiers,
        client: any TrackerClient,
        configuration: Configuration = Configuration(),
        binding: @escaping @Sendable () -> NetworkBinding?,
        progress: @escaping @Sendable () -> Progress,
        onPeers: @escaping @Sendable ([PeerAddress]) -> Void,
        logger: Logger
    ) {
        self.client = client
        self.configuration = configuration
        self.binding = binding
        self.progress = progress
        self.onPeers = onPeers
        var logger = logger
        logger[metadataKey: "torrent"] = "\(infoHash.hex)"
        self.logger = logger
        let template = AnnounceRequest(infoHash: infoHash, peerID: peerID, port: port, left: 0, numWant: configuration.numWant, key: key)
        state = Mutex(AnnouncerState(tiers: tiers, template: template))
    }

    /// Starts announcing (`started` first). Does nothing after the first call or after ``stop()``.
    public func start() {
        let complete = progress().left == 0
        phase.withLock { phase in
            guard case .created = phase else { return }
            state.withLock { $0.started(complete: complete) }
            phase = .running(Task { await self.run() })
        }
    }

    /// The download has finished: the next announce (at once) says `completed`, unless the torrent was complete
    /// when it started or `completed` was already sent.
    public func markCompleted() {
        if state.withLock({ $0.markCompleted() }) { wakeup.signal() }
    }

    /// Asks for a round as soon as the last answering tracker's `min interval` allows (more peers wanted, a
    /// user's "re-announce").
    public func announceNow() {
        state.withLock { $0.requested = true }
        wakeup.signal()
    }

    /// Stops announcing: cancels the loop, waits for it, then sends `stopped` (best effort, bounded by
    /// ``Configuration/stopTimeout``) to the trackers that saw `started`. Later calls do nothing.
    public func stop() async {
        let task: Task<Void, Never>? = phase.withLock { phase in
            defer { phase = .stopped }
            if case .running(let task) = phase { return task }
            return nil
        }
        guard let task else { return }
        task.cancel()
        await task.value
        // A fresh task: the caller may itself be cancelled (daemon shutdown), and `stopped` should still go out.
        await Task { await self.sendStopped() }.value
    }

    /// Every tracker's status, in the order a round tries them.
    public var statuses: [TrackerStatus] {
        state.withLock { $0.statuses }
    }

    // MARK: - The loop

    private func run() async {
        var failures = 0
        var next = clock.now
        while !Task.isCancelled {
            await waitForRound(scheduled: next)
            if Task.isCancelled { return }
            switch await round() {
            case .succeeded(let response):
                failures = 0
                next = clock.now + AnnounceSchedule.delay(after: response, configuration: configuration)
            case .failed:
                failures += 1
                next = clock.now + AnnounceSchedule.delay(afterFailedRounds: failures, configuration: configuration)
            case .cancelled, .noTrackers:
                return
            }
            let date = Date.now.addingTimeInterval((next - clock.now).seconds)
            state.withLock { $0.scheduleNext(at: date) }
        }
    }

    /// Returns when the scheduled time comes, earlier for ``markCompleted()`` and ``announceNow()``.
    private func waitForRound(scheduled: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            let now = clock.now
            let target = state.withLock { $0.roundStart(scheduled: scheduled, now: now) }
            if target <= now { return }
            await wakeup.wait(until: target)
        }
    }

    /// Tries the trackers in order until one answers.
    private func round() async -> RoundOutcome {
        let entries = state.withLock { $0.tiers.ordered }
        guard !entries.isEmpty else { return .noTrackers }
        guard let binding = binding() else {
            recordFailure(of: entries.map(\.url), reason: .offline)
            return .failed
        }
        for entry in entries {
            if Task.isCancelled { return .cancelled }
            let totals = progress()
            let url: TrackerURL, request: AnnounceRequest
            switch state.withLock({ $0.prepare(entry.url, totals: totals) }) {
            case .success(let prepared)?: (url, request) = prepared
            case .failure(let error)?: recordFailure(of: [entry.url], reason: error.reason); continue
            case nil: continue
            }
            do throws(TrackerError) {
                let response = try await client.announce(request, to: url, binding: binding, timeout: configuration.announceTimeout)
                let now = clock.now
                state.withLock { $0.recordSuccess(response, for: entry.url, request: request, at: now) }
                logger.debug("announced", metadata: ["tracker": "\(entry.url)", "event": "\(request.event)", "peers": "\(response.peers.count)"])
                onPeers(binding.allowsIPv6 ? response.peers : response.peers.filter(\.isIPv4))
                return .succeeded(response)
            } catch {
                if case .cancelled = error.reason { return .cancelled }
                recordFailure(of: [entry.url], reason: error.reason)
            }
        }
        return .failed
    }

    private func recordFailure(of urls: [String], reason: TrackerError.Reason) {
        let message = reason.summary
        let changed = state.withLock { $0.recordFailure(of: urls, message: message) }
        for url in changed { logger.info("announce failed", metadata: ["tracker": "\(url)", "reason": "\(message)"]) }
    }

    // MARK: - Stopping

    private func sendStopped() async {
        let totals = progress()
        let announces = state.withLock { $0.stoppedAnnounces(totals: totals) }
        if !announces.isEmpty, let binding = binding() {
            let client = client, timeout = configuration.stopTimeout, logger = logger
            await withTaskGroup(of: Void.self) { group in
                for (url, request) in announces {
                    group.addTask {
                        do throws(TrackerError) {
                            _ = try await client.announce(request, to: url, binding: binding, timeout: timeout)
                        } catch {
                            logger.debug("stopped announce failed", metadata: ["tracker": "\(url)", "reason": "\(error.reason.summary)"])
                        }
                    }
                }
            }
        }
        state.withLock { $0.resetAfterStop() }
    }
}
