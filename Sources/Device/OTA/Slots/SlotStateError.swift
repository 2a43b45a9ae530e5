/// A slot operation was refused (it would endanger the last good system, or it does not fit the current state), or
/// the state could not be saved.
public enum SlotStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Installs run only from the last good system (commit or roll back a trial first).
    case notRunningLastGood(booted: Slot, lastGood: Slot)
    /// The operation would write or stage the slot holding the last good system.
    case wouldOverwriteLastGood(Slot)
    /// No install into this slot is in progress (`stage` or `installFailed` without `beginInstall`).
    case noInstallInProgress(Slot)
    /// The slot was not completely written, read back and re-hashed by a `SlotWriter`.
    case slotNotVerified(Slot)
    /// Tries must be 1 ... `SlotState.maxTries`.
    case badTryCount(Int)
    /// The running slot is not the one on trial, so it cannot be marked good or bad.
    case notOnTrial(booted: Slot)
    /// The last good slot is never marked bad: it is the fallback.
    case cannotRejectLastGood(Slot)
    /// The state file could not be written.
    case file(OTAFileError)

    public var description: String {
        switch self {
        case .notRunningLastGood(let booted, let lastGood):
            "running slot \(booted) is on trial; installs run from the last good slot \(lastGood) (commit or roll back first)"
        case .wouldOverwriteLastGood(let slot): "slot \(slot) holds the last good system and is never overwritten"
        case .noInstallInProgress(let slot): "no install into slot \(slot) is in progress"
        case .slotNotVerified(let slot): "slot \(slot) was not completely written and re-hashed"
        case .badTryCount(let tries): "tries must be 1...\(SlotState.maxTries), not \(tries)"
        case .notOnTrial(let booted): "running slot \(booted) is not on trial"
        case .cannotRejectLastGood(let slot): "slot \(slot) is the last good system and is never marked bad"
        case .file(let error): "slot state: \(error)"
        }
    }
}
