import NIOCore

/// A peer's round-trip time, measured the only way the wire allows: a request sent while nothing else was
/// outstanding to that peer, timed until its block arrives (so no queue on the peer's side is counted, only the
/// network, its disk and its upload limiter). One probe is in flight at a time.
///
/// The estimate follows a lower sample at once and a higher one slowly (an eighth of the way), because what
/// inflates a sample — a peer's rate limiter handing out quota every half second, a busy disk — comes and goes,
/// while the network's round trip is the floor.
struct LatencyProbe {
    private var probe: (block: BlockRequest, sentAt: NIODeadline)?
    /// Seconds; `nil` until the first probe came back.
    private(set) var roundTrip: Double?

    /// A probe that did not come back within this long is given up (its block was cancelled, rejected or lost).
    static let staleAfter = TimeAmount.seconds(10)

    /// Records `block` as the probe when the peer had nothing outstanding before it was sent.
    mutating func sent(_ block: BlockRequest, at now: NIODeadline, queueWasEmpty: Bool) {
        if let probe, now - probe.sentAt < Self.staleAfter { return }
        probe = queueWasEmpty ? (block, now) : nil
    }

    /// Takes a sample when `block` is the probe.
    mutating func arrived(_ block: BlockRequest, at now: NIODeadline) {
        guard let probe, probe.block == block else { return }
        self.probe = nil
        let sample = Double((now - probe.sentAt).nanoseconds) / 1e9
        guard let estimate = roundTrip, sample > estimate else {
            roundTrip = sample
            return
        }
        roundTrip = estimate + (sample - estimate) / 8
    }

    /// Forgets the probe when its request is withdrawn (cancelled, rejected).
    mutating func withdrawn(_ block: BlockRequest) {
        if probe?.block == block { probe = nil }
    }

    /// Forgets the probe when every request is withdrawn at once (choked, timed out).
    mutating func withdrawAll() {
        probe = nil
    }
}
