/// What happened to the latest update, kept in the slot state so `GET /api/v1/update` can report it after reboots.
public struct UpdateResult: Sendable, Equatable, CustomStringConvertible {
    /// The stage the update reached.
    public enum Outcome: String, Sendable, CaseIterable {
        /// The slot is being written. Seen after a restart, the install was interrupted (power cut, crash).
        case installing
        /// Verification or writing failed; the slot holds no usable system.
        case installFailed = "install-failed"
        /// Written, read back and re-hashed; the next boots try it.
        case staged
        /// The new system passed its health checks and is now the last good one.
        case committed
        /// Its tries ran out before it was marked good; the device went back to the last good slot.
        case rolledBack = "rolled-back"
        /// It booted but failed its health checks; the device goes back to the last good slot.
        case markedBad = "marked-bad"
    }

    public let outcome: Outcome
    public let version: BundleVersion
    public let slot: Slot

    public init(_ outcome: Outcome, version: BundleVersion, slot: Slot) {
        self.outcome = outcome
        self.version = version
        self.slot = slot
    }

    public var description: String { "\(outcome.rawValue) \(version) in slot \(slot)" }
}
