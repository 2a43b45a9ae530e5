/// The A/B state that decides what boots: the last good slot, at most one slot on trial with a bounded number of
/// tries, what each slot holds, and the last update's result.
///
/// The core rule, which every operation keeps: the last good slot has no try counter and is never written, staged
/// or marked bad, so it is always bootable, and only a slot that was completely written and re-hashed is ever tried.
/// A trial whose tries run out falls back to the last good slot, so "both slots at zero tries" (HAOS #4886) cannot
/// be expressed. Operations are pure value changes; `SlotStore` loads, applies and saves them durably.
public struct SlotState: Sendable, Equatable {
    /// Most boots a staged slot may be tried before the device falls back.
    public static let maxTries = 5

    /// A slot staged for trial.
    public struct Trial: Sendable, Equatable {
        public let slot: Slot
        /// The version the slot holds.
        public let version: BundleVersion
        /// Boots left to try it; at 0 the next boot falls back to the last good slot.
        public let triesLeft: Int

        public init(slot: Slot, version: BundleVersion, triesLeft: Int) {
            self.slot = slot
            self.version = version
            self.triesLeft = triesLeft
        }
    }

    /// Counts saves; the store keeps the copy with the highest one.
    public internal(set) var generation: UInt64
    /// The slot that booted and passed its health checks last. Always bootable.
    public internal(set) var lastGood: Slot
    /// The slot to try on the next boots, never `lastGood`.
    public internal(set) var trial: Trial?
    /// The version each slot holds; no entry while a slot is being written or is unknown.
    public internal(set) var versions: [Slot: BundleVersion]
    /// The latest update's result.
    public internal(set) var lastResult: UpdateResult?

    /// A state with `lastGood` good (holding `version`, if known) and nothing on trial.
    public init(lastGood: Slot, version: BundleVersion?) {
        self.init(generation: 0, lastGood: lastGood, trial: nil, versions: version.map { [lastGood: $0] } ?? [:], lastResult: nil)
    }

    init(generation: UInt64, lastGood: Slot, trial: Trial?, versions: [Slot: BundleVersion], lastResult: UpdateResult?) {
        self.generation = generation
        self.lastGood = lastGood
        self.trial = trial
        self.versions = versions
        self.lastResult = lastResult
    }

    /// What a device boots when it has no readable state at all: slot A, the slot a fresh image boots from.
    public static let fallback = SlotState(lastGood: .a, version: nil)

    /// The slot an update is written into: the one that is not last good.
    public var installSlot: Slot { lastGood.other }

    /// True when the value keeps the invariants (a state file that does not is treated as corrupt).
    var isConsistent: Bool {
        guard let trial else { return true }
        return trial.slot != lastGood && (0...Self.maxTries).contains(trial.triesLeft) && versions[trial.slot] == trial.version
    }

    // MARK: Installing

    /// Before the first byte is written into `slot`: forget any trial of it and what it held, so a power cut in the
    /// middle of writing never leaves a half-written slot on trial. Only from the last good system, never into it.
    public mutating func beginInstall(version: BundleVersion, into slot: Slot, booted: Slot) throws(SlotStateError) {
        guard booted == lastGood else { throw .notRunningLastGood(booted: booted, lastGood: lastGood) }
        guard slot != lastGood else { throw .wouldOverwriteLastGood(slot) }
        trial = nil
        versions[slot] = nil
        lastResult = UpdateResult(.installing, version: version, slot: slot)
    }

    /// The install into `slot` failed (bad bundle, write error): record it. The slot stays unbootable.
    public mutating func installFailed(into slot: Slot) throws(SlotStateError) {
        guard let result = lastResult, result.outcome == .installing, result.slot == slot else {
            throw .noInstallInProgress(slot)
        }
        lastResult = UpdateResult(.installFailed, version: result.version, slot: slot)
    }

    /// After the slot was written, read back and re-hashed: try it on the next `tries` boots.
    mutating func stage(_ verified: VerifiedSlot, tries: Int) throws(SlotStateError) {
        guard (1...Self.maxTries).contains(tries) else { throw .badTryCount(tries) }
        guard verified.slot != lastGood else { throw .wouldOverwriteLastGood(verified.slot) }
        guard lastResult == UpdateResult(.installing, version: verified.version, slot: verified.slot) else {
            throw .noInstallInProgress(verified.slot)
        }
        versions[verified.slot] = verified.version
        trial = Trial(slot: verified.slot, version: verified.version, triesLeft: tries)
        lastResult = UpdateResult(.staged, version: verified.version, slot: verified.slot)
    }

    // MARK: Booting

    /// The decision on a boot: use one try of the slot on trial, or, when its tries are used up, end the trial and
    /// boot the last good slot. Save the changed state before booting what it says (a try that is not saved
    /// must not be used: see `SlotStore.bootSelection()`).
    public mutating func selectBoot() -> BootDecision {
        guard let trial else { return BootDecision(slot: lastGood, reason: .lastGood) }
        guard trial.triesLeft > 0 else {
            self.trial = nil
            lastResult = UpdateResult(.rolledBack, version: trial.version, slot: trial.slot)
            return BootDecision(slot: lastGood, reason: .rolledBack(from: trial.slot))
        }
        self.trial = Trial(slot: trial.slot, version: trial.version, triesLeft: trial.triesLeft - 1)
        return BootDecision(slot: trial.slot, reason: .trial(triesLeft: trial.triesLeft - 1))
    }

    /// The bootloader counted tries itself (U-Boot's bootcount, the firmware's one tryboot): lowers the trial of
    /// `slot` to `left` tries. Never raises a count, and changes nothing when `slot` is not on trial.
    mutating func recordTriesLeft(_ left: Int, of slot: Slot) {
        guard let trial, trial.slot == slot, left < trial.triesLeft else { return }
        self.trial = Trial(slot: slot, version: trial.version, triesLeft: max(0, left))
    }

    /// The running system passed its health checks. On the trial slot this commits it: it becomes the last good
    /// slot. On the last good slot it changes nothing (returns false).
    @discardableResult
    public mutating func markGood(booted: Slot) throws(SlotStateError) -> Bool {
        if let trial, trial.slot == booted {
            lastGood = booted
            self.trial = nil
            lastResult = UpdateResult(.committed, version: trial.version, slot: booted)
            return true
        }
        guard booted == lastGood else { throw .notOnTrial(booted: booted) }
        return false
    }

    /// The running trial system failed its health checks: end the trial, so the next boot is the last good slot.
    public mutating func markBad(booted: Slot) throws(SlotStateError) {
        guard booted != lastGood else { throw .cannotRejectLastGood(booted) }
        guard let trial, trial.slot == booted else { throw .notOnTrial(booted: booted) }
        self.trial = nil
        lastResult = UpdateResult(.markedBad, version: trial.version, slot: booted)
    }
}
