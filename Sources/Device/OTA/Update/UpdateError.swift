/// Why an update (or a slot operation through the update service) was refused or failed. The web layer maps each
/// case to an HTTP status and keeps `description` as the message.
public enum UpdateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Updates cannot be installed on this system at all (no trusted key, no slot partitions, booted slot unknown).
    case unavailable(String)
    /// Another update is in progress.
    case busy(UpdateProgress.Phase)
    /// The bundle is larger than `[update] max_bundle_bytes`.
    case tooLarge(limit: Int)
    /// The bundle was refused by the verifier or the slot writer (bad signature, wrong board, tampered image...).
    case bundle(BundleError)
    /// The slot state does not allow it (running a trial: commit or roll back first; nothing on trial).
    case slotState(SlotStateError)
    /// The bootloader's store could not be read or written.
    case bootloader(BootloaderError)
    /// The URL is not one Rill downloads from (only http and https, at most 2048 bytes, no spaces).
    case invalidURL(String)
    /// The download failed for good (HTTP error status, or the connection kept failing after every retry).
    case download(String)
    /// The bundle stopped arriving (the client went away, the daemon is shutting down).
    case interrupted(String)
    /// Rebooting is not possible here (no reboot method configured, an update in progress).
    case rebootUnavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "updates are unavailable on this system: \(reason)"
        case .busy(let phase): "another update is in progress (\(phase.rawValue))"
        case .tooLarge(let limit): "the bundle is larger than \(limit) bytes ([update] max_bundle_bytes)"
        case .bundle(let error): "bundle refused: \(error)"
        case .slotState(let error): error.description
        case .bootloader(let error): error.description
        case .invalidURL(let reason): "invalid URL: \(reason)"
        case .download(let reason): "download failed: \(reason)"
        case .interrupted(let reason): "update interrupted: \(reason)"
        case .rebootUnavailable(let reason): "cannot reboot: \(reason)"
        }
    }
}
