/// Which slot to boot, and why: what the bootloader-facing logic decided (see `SlotState.selectBoot()`).
public struct BootDecision: Sendable, Equatable, CustomStringConvertible {
    /// Why this slot.
    public enum Reason: Sendable, Equatable {
        /// No update on trial: the last good slot.
        case lastGood
        /// The slot on trial; one try was used, `triesLeft` remain after this boot.
        case trial(triesLeft: Int)
        /// The trial of `slot` ran out of tries: back to the last good slot.
        case rolledBack(from: Slot)
        /// The try could not be recorded (the state file could not be written), so the trial was not booted:
        /// an uncounted try could repeat forever.
        case trialNotRecorded
    }

    public let slot: Slot
    public let reason: Reason

    public init(slot: Slot, reason: Reason) {
        self.slot = slot
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .lastGood: "boot \(slot) (last good)"
        case .trial(let left): "boot \(slot) (trial, \(left) tries left after this one)"
        case .rolledBack(let from): "boot \(slot) (trial of \(from) ran out of tries: rolled back)"
        case .trialNotRecorded: "boot \(slot) (last good: the trial's try could not be recorded)"
        }
    }
}
