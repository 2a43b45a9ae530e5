import Device
import Hummingbird

/// The JSON of `GET /api/v1/update` (keys snake_case, absent values left out).
struct UpdateStatusBody: ResponseEncodable {
    /// True when a bundle can be installed now.
    let available: Bool
    let unavailableReason: String?
    let board: String
    /// `state-file`, `tryboot` or `uboot`.
    let bootloader: String
    let bootedSlot: String?
    let runningVersion: String
    let lastGood: String
    let trial: TrialBody?
    /// Both slots: version (absent while being written or unknown), role and whether it is the running one.
    let slots: [SlotBody]
    let lastResult: ResultBody?
    /// `primary`, `backup` or `fallback` (no valid state file).
    let stateSource: String
    /// What the bootloader's own store says (autoboot.txt, U-Boot variables).
    let bootloaderState: [String: String]
    let progress: ProgressBody
    let canReboot: Bool

    struct TrialBody: Encodable {
        let slot: String
        let version: String
        let triesLeft: Int
    }

    struct SlotBody: Encodable {
        let slot: String
        let version: String?
        /// `last-good`, `trial` or `inactive`.
        let role: String
        let booted: Bool
    }

    struct ResultBody: Encodable {
        /// `installing`, `install-failed`, `staged`, `committed`, `rolled-back` or `marked-bad`.
        let outcome: String
        let version: String
        let slot: String
    }

    struct ProgressBody: Encodable {
        /// `idle`, `receiving`, `downloading`, `reading-back`, `staging`, `staged` or `failed`.
        let phase: String
        let source: String?
        let url: String?
        let bytes: Int
        let totalBytes: Int?
        let version: String?
        let slot: String?
        let image: String?
        let attempts: Int
        let elapsedSeconds: Double?
        let error: ErrorBody?
    }

    struct ErrorBody: Encodable {
        let code: String
        let message: String
    }

    init(_ status: UpdateStatus) {
        let state = status.state
        available = status.available
        unavailableReason = status.unavailableReason
        board = status.board
        bootloader = status.bootloader.rawValue
        bootedSlot = status.bootedSlot?.rawValue
        runningVersion = status.runningVersion.description
        lastGood = state.lastGood.rawValue
        trial = state.trial.map { TrialBody(slot: $0.slot.rawValue, version: $0.version.description, triesLeft: $0.triesLeft) }
        slots = Slot.allCases.map { slot in
            let role = slot == state.lastGood ? "last-good" : state.trial?.slot == slot ? "trial" : "inactive"
            return SlotBody(slot: slot.rawValue, version: state.versions[slot]?.description, role: role, booted: slot == status.bootedSlot)
        }
        lastResult = state.lastResult.map {
            ResultBody(outcome: $0.outcome.rawValue, version: $0.version.description, slot: $0.slot.rawValue)
        }
        stateSource = status.stateSource.rawValue
        bootloaderState = status.bootloaderView
        let progress = status.progress
        self.progress = ProgressBody(
            phase: progress.phase.rawValue, source: progress.source?.rawValue, url: progress.url, bytes: progress.bytes,
            totalBytes: progress.totalBytes, version: progress.version?.description, slot: progress.slot?.rawValue,
            image: progress.image, attempts: progress.attempts,
            elapsedSeconds: progress.elapsedSeconds.map { ($0 * 1000).rounded() / 1000 },
            error: progress.error.map { ErrorBody(code: UpdateRoutes.statusAndCode($0).1, message: $0.description) }
        )
        canReboot = status.canReboot
    }
}
