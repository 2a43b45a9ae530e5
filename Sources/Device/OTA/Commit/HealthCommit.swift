import Logging

/// What the health commit needs from the slots: whether the running slot is on trial, and the two verdicts.
/// `UpdateService` is one.
public protocol TrialSlots: Sendable {
    /// True when the running slot is on trial.
    var isRunningTrial: Bool { get }
    /// Commits the running trial: it becomes the last good slot.
    @discardableResult func markGood() throws(UpdateError) -> Bool
    /// Ends the running trial: the next boot is the last good slot.
    func markBad() throws(UpdateError)
    /// Reboots into the slot that should run next.
    @discardableResult func reboot() async throws(UpdateError) -> RebootPlan
}

extension UpdateService: TrialSlots {}

/// After a boot into a trial slot, decides its fate from the health checks: once they have passed *continuously*
/// for `commitAfter`, the slot is marked good (committed); if that has not happened by `deadline` after start, it is
/// marked bad and the device reboots into the last good slot. A system that cannot even start rill never gets here:
/// the bootloader's try counting (U-Boot's bootcount, the firmware's one tryboot, `rill slot boot`) rolls it back.
public struct HealthCommit: Sendable {
    /// The timing of the decision.
    public struct Policy: Sendable, Equatable {
        /// Health must hold this long without a break.
        public var commitAfter: Duration
        /// Give up (mark bad, reboot) this long after start.
        public var deadline: Duration
        /// How often health is asked.
        public var interval: Duration

        public init(commitAfter: Duration, deadline: Duration, interval: Duration = .seconds(2)) {
            self.commitAfter = commitAfter
            self.deadline = deadline
            self.interval = interval
        }
    }

    /// How it ended.
    public enum Verdict: Sendable, Equatable {
        /// The running slot was not on trial: nothing to decide.
        case notOnTrial
        /// Marked good after health held for `commitAfter`.
        case committed
        /// Marked bad: health did not hold long enough before the deadline. `rebooted` tells whether the reboot into
        /// the last good slot was started.
        case markedBad(rebooted: Bool)
        /// The verdict could not be recorded (the state could not be saved), or the task was cancelled (shutdown).
        case undecided(String)
    }

    let slots: any TrialSlots
    let policy: Policy
    let health: @Sendable () async -> Bool
    let logger: Logger

    /// - Parameter health: true while the system is healthy (the daemon's health monitor).
    public init(slots: any TrialSlots, policy: Policy, health: @escaping @Sendable () async -> Bool, logger: Logger) {
        self.slots = slots
        self.policy = policy
        self.health = health
        self.logger = logger
    }

    /// Watches health until the verdict; returns at once when the running slot is not on trial.
    public func run() async -> Verdict {
        guard slots.isRunningTrial else { return .notOnTrial }
        let clock = ContinuousClock()
        let start = clock.now
        var healthySince: ContinuousClock.Instant?
        logger.notice("update: running a trial slot; committing it once healthy for \(policy.commitAfter), else rolling back after \(policy.deadline)")
        while true {
            if Task.isCancelled { return .undecided("cancelled") }
            let healthy = await health()
            let now = clock.now
            if healthy {
                let since = healthySince ?? now
                healthySince = since
                if now - since >= policy.commitAfter {
                    do {
                        try slots.markGood()
                        return .committed
                    } catch {
                        logger.error("update: the trial could not be committed: \(error)")
                        return .undecided("\(error)")
                    }
                }
            } else {
                if healthySince != nil { logger.warning("update: the trial slot is unhealthy; the commit waits") }
                healthySince = nil
            }
            if now - start >= policy.deadline {
                return await reject()
            }
            var wait = policy.interval
            if let since = healthySince { wait = min(wait, policy.commitAfter - (now - since)) }
            wait = min(wait, policy.deadline - (now - start))
            do {
                try await Task.sleep(for: max(wait, .milliseconds(10)))
            } catch {
                return .undecided("cancelled")
            }
        }
    }

    private func reject() async -> Verdict {
        logger.error("update: the trial slot was not healthy for \(policy.commitAfter) within \(policy.deadline): marking it bad")
        do {
            try slots.markBad()
        } catch {
            logger.error("update: the trial could not be marked bad: \(error)")
            return .undecided("\(error)")
        }
        do {
            try await slots.reboot()
            return .markedBad(rebooted: true)
        } catch {
            logger.error("update: \(error); the next reboot returns to the last good slot")
            return .markedBad(rebooted: false)
        }
    }
}
