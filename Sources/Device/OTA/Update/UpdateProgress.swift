/// What the update in progress (or the last one since the daemon started) is doing, for `GET /api/v1/update`, the
/// UI and the LEDs. Kept in memory only; what must survive a reboot is `SlotState.lastResult`.
public struct UpdateProgress: Sendable, Equatable {
    /// Where the update is.
    public enum Phase: String, Sendable, Equatable, CaseIterable {
        /// No update since the daemon started.
        case idle
        /// An uploaded bundle is streaming in: verified and written into the inactive slot as it arrives.
        case receiving
        /// Rill downloads the bundle from a URL: verified and written into the inactive slot as it arrives.
        case downloading
        /// An image was written completely and is being fsynced, read back from the medium and re-hashed.
        case readingBack = "reading-back"
        /// Every image checked out; the slot is being put on trial.
        case staging
        /// The slot is on trial; it boots after the next reboot.
        case staged
        /// The update was refused or failed; `error` says why. The last good slot was never touched.
        case failed

        /// True while an update holds the slot writer (a second one is refused).
        public var isBusy: Bool {
            switch self {
            case .receiving, .downloading, .readingBack, .staging: true
            case .idle, .staged, .failed: false
            }
        }
    }

    /// How the bundle arrives.
    public enum Source: String, Sendable, Equatable {
        case upload, url
    }

    public var phase: Phase
    public var source: Source?
    /// The download URL without user, password or query (they may hold a token).
    public var url: String?
    /// Bundle bytes verified and written so far.
    public var bytes: Int
    /// The bundle's length once known (from the transport, then from the signed manifest).
    public var totalBytes: Int?
    /// The version being installed, once the signed manifest is known.
    public var version: BundleVersion?
    /// The slot being written.
    public var slot: Slot?
    /// The image being written or read back.
    public var image: String?
    /// Download attempts so far (a dropped connection resumes with an HTTP range).
    public var attempts: Int
    /// Why the update failed (`phase == .failed`).
    public var error: UpdateError?
    /// `SystemFacts.monotonicSeconds()` when the update started, and when it ended.
    public var startedAt: Double?
    public var finishedAt: Double?

    public static let idle = UpdateProgress(
        phase: .idle, source: nil, url: nil, bytes: 0, totalBytes: nil, version: nil, slot: nil, image: nil, attempts: 0,
        error: nil, startedAt: nil, finishedAt: nil
    )

    /// Seconds the update took, or has taken so far.
    public var elapsedSeconds: Double? {
        guard let startedAt else { return nil }
        return (finishedAt ?? SystemFacts.monotonicSeconds()) - startedAt
    }
}

/// What an install that succeeded put on trial.
public struct UpdateOutcome: Sendable, Equatable {
    public let version: BundleVersion
    public let slot: Slot
    /// Bundle bytes received.
    public let bytes: Int
    /// Seconds from the first byte to the slot being staged.
    public let seconds: Double
    /// Boots the new slot will be tried before the device falls back.
    public let tries: Int
}
