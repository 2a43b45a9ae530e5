/// Proof that a slot holds a whole bundle: every image was written, fsynced, read back from the target and
/// re-hashed to the signed SHA-256. Only `SlotWriter` makes these, and only `SlotState.stage` takes them, so
/// nothing unverified can be put on trial.
public struct VerifiedSlot: Sendable, Equatable {
    public let slot: Slot
    public let version: BundleVersion
    /// The images as read back.
    public let images: [BundleImage]

    init(slot: Slot, version: BundleVersion, images: [BundleImage]) {
        self.slot = slot
        self.version = version
        self.images = images
    }
}
