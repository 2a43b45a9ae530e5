import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The device side of OTA updates: installs a bundle into the inactive slot (streamed upload or URL download), one
/// at a time, reports progress and the slots, reconciles the slot state with the bootloader at start-up, marks the
/// running trial good or bad, and reboots into the slot that should run next.
///
/// Every install streams through `BundleVerifier<SlotWriter>` (memory does not grow with the bundle: see docs/OTA.md)
/// on the service's own thread, because writing, fsyncing and reading back partitions blocks; callers await each
/// chunk, which is the back-pressure that slows an upload to the card's speed. The slot state is saved before the
/// bootloader's store is written (`BootloaderAdapter`), so a power cut between the two only delays a trial.
public final class UpdateService: Sendable {
    /// Reboots the device as `RebootPlan` says (the daemon stops its services first). Returns once the reboot is
    /// under way; throws when it cannot be done.
    public typealias Reboot = @Sendable (RebootPlan) async throws -> Void

    public let settings: UpdateSettings
    public let bootloader: any BootloaderAdapter
    /// The slot the running system booted from; nil when the kernel command line did not say.
    public let bootedSlot: Slot?
    private let unavailableReason: String?
    private let store: SlotStore
    private let progress = ProgressBox(.idle)
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let rebootHandler: Reboot?
    private let logger: Logger
    private let current = Mutex<(job: InstallJob?, task: Task<Void, Never>?)>((nil, nil))

    /// - Parameters:
    ///   - booted: the running slot, or why it is unknown (then nothing can be installed or marked).
    ///   - configurationProblem: why the configured settings cannot be used, if so (updates are then unavailable).
    ///   - reboot: how to reboot; nil where rebooting is not allowed (development machines).
    public init(
        settings: UpdateSettings, booted: Result<Slot, BootloaderError>, bootloader: any BootloaderAdapter,
        configurationProblem: String? = nil, reboot: Reboot?, logger: Logger
    ) {
        self.settings = settings
        self.bootloader = bootloader
        self.rebootHandler = reboot
        self.logger = logger
        store = SlotStore(directory: settings.stateDirectory)
        switch booted {
        case .success(let slot):
            bootedSlot = slot
            unavailableReason = configurationProblem ?? Self.problem(with: settings)
        case .failure(let error):
            bootedSlot = nil
            unavailableReason = error.description
        }
        thread.start()
    }

    private static func problem(with settings: UpdateSettings) -> String? {
        if settings.trustedKeys.isEmpty { return "no trusted update key ([update] public_keys or public_key_file)" }
        if settings.slotImages.isEmpty { return "no slot partitions configured ([update] slot_images)" }
        return nil
    }

    /// This build's version as a bundle version (0.0.0 if it does not parse, which only makes updates easier).
    public static var buildVersion: BundleVersion {
        BundleVersion(RillVersion.current) ?? BundleVersion(major: 0, minor: 0, patch: 0)
    }

    // MARK: Start-up and shutdown

    /// At start-up: creates the state folder, adopts the running slot when there is no state (a fresh image),
    /// records an install that a power cut or crash interrupted, and reconciles with the bootloader. Returns what it
    /// found, each line also logged.
    @discardableResult
    public func start() -> [String] {
        var notes: [String] = []
        func note(_ text: String, _ level: Logger.Level = .notice) {
            notes.append(text)
            logger.log(level: level, "update: \(text)")
        }
        guard let booted = bootedSlot else {
            note("updates unavailable: \(unavailableReason ?? "booted slot unknown")", .warning)
            return notes
        }
        if mkdir(settings.stateDirectory, 0o755) != 0, errno != EEXIST {
            note("cannot create \(settings.stateDirectory): \(String(cString: strerror(errno)))", .error)
        }
        let loaded = store.load()
        for problem in loaded.problems { note("slot state copy not used: \(problem)", .warning) }
        do {
            if try store.adoptRunningSystem(booted: booted, version: Self.buildVersion) {
                note("no slot state: running slot \(booted) (\(Self.buildVersion)) recorded as the last good one")
            }
            let state = store.load().state
            if let result = state.lastResult, result.outcome == .installing {
                try store.installFailed(into: result.slot)
                note("the install of \(result.version) into slot \(result.slot) was interrupted (power cut or crash); slot \(result.slot) is not bootable until an update succeeds", .warning)
            }
        } catch {
            note("slot state: \(error)", .error)
        }
        do {
            for line in try bootloader.reconcile(store: store, booted: booted) { note(line) }
        } catch {
            note("reconciling with the bootloader failed: \(error)", .error)
        }
        let state = store.load().state
        if booted != state.lastGood, booted != state.trial?.slot {
            note("running slot \(booted) is neither the last good slot (\(state.lastGood)) nor on trial", .warning)
        }
        return notes
    }

    /// Stops an install in progress (it is recorded as failed; nothing is staged) and the service's thread.
    public func shutdown() async {
        let (job, task) = current.withLock { ($0.job, $0.task) }
        job?.cancel()
        await task?.value
        try? await thread.shutdownGracefully()
    }

    // MARK: Status

    /// The slots, the booted slot, the bootloader's view and the progress.
    public func status() -> UpdateStatus {
        let loaded = store.load()
        return UpdateStatus(
            unavailableReason: unavailableReason, board: settings.board, bootloader: bootloader.kind,
            bootedSlot: bootedSlot, runningVersion: runningVersion(loaded.state), state: loaded.state,
            stateSource: loaded.source, bootloaderView: bootloader.view(), progress: progress.snapshot,
            canReboot: rebootHandler != nil
        )
    }

    /// The progress alone (cheap: no file is read).
    public var currentProgress: UpdateProgress { progress.snapshot }

    /// True when the running slot is on trial (the health commit decides its fate).
    public var isRunningTrial: Bool {
        guard let booted = bootedSlot else { return false }
        return store.load().state.trial?.slot == booted
    }

    private func runningVersion(_ state: SlotState) -> BundleVersion {
        bootedSlot.flatMap { state.versions[$0] } ?? Self.buildVersion
    }

    // MARK: Installing

    /// Installs an uploaded bundle: `body` calls `feed` with the request body's buffers, in order, as they arrive
    /// (each call returns when the bytes are verified and written). `announcedLength` is the `Content-Length`, if any.
    /// Errors from `feed` are `UpdateError`s; an error `body` throws itself (the client went away, a timeout) ends the
    /// install as interrupted and is rethrown as it is.
    public func installUpload(
        announcedLength: Int?, allowDowngrade: Bool = false,
        body: (_ feed: @escaping @Sendable ([ByteBuffer]) async throws -> Void) async throws -> Void
    ) async throws -> UpdateOutcome {
        let job = try prepare(source: .upload, url: nil, allowDowngrade: allowDowngrade)
        defer { release(job) }
        do {
            if let announcedLength {
                try await onThread { try job.announce(length: announcedLength) }
            }
            try await body { buffers in
                try await self.onThread {
                    for buffer in buffers {
                        try buffer.withUnsafeReadableBytes { try job.consume($0) }
                    }
                }
            }
            return try await onThread { try self.complete(job) }
        } catch {
            await fail(job, error)
            throw error
        }
    }

    /// Starts downloading and installing the bundle at `url` in the background; follow it with `status()`.
    @discardableResult
    public func installFromURL(_ url: String, allowDowngrade: Bool = false) throws(UpdateError) -> UpdateProgress {
        try BundleDownload.validate(url)
        let job = try prepare(source: .url, url: BundleDownload.redacted(url), allowDowngrade: allowDowngrade)
        let download = BundleDownload(url: url, settings: settings.download, maxBytes: settings.maxBundleBytes)
        let progress = self.progress
        let task = Task {
            do {
                try await self.onThread { try download.run(into: job, progress: progress) }
                _ = try await self.onThread { try self.complete(job) }
            } catch {
                await self.fail(job, error)
            }
            self.release(job)
        }
        current.withLock { if $0.job === job { $0.task = task } }
        return progress.snapshot
    }

    /// Forgets `job` once it ended (unless a newer install already took its place).
    private func release(_ job: InstallJob) {
        current.withLock { if $0.job === job { $0 = (nil, nil) } }
    }

    /// Waits until no install is running (tests, and callers that started a download and want its end).
    public func waitForInstall() async {
        let task = current.withLock { $0.task }
        await task?.value
    }

    /// Claims the writer and makes the job for the inactive slot.
    private func prepare(source: UpdateProgress.Source, url: String?, allowDowngrade: Bool) throws(UpdateError) -> InstallJob {
        if let unavailableReason { throw .unavailable(unavailableReason) }
        guard let booted = bootedSlot else { throw .unavailable("booted slot unknown") }
        let state = store.load().state
        guard booted == state.lastGood else {
            throw .slotState(.notRunningLastGood(booted: booted, lastGood: state.lastGood))
        }
        let slot = state.installSlot
        var started = UpdateProgress.idle
        started.phase = source == .upload ? .receiving : .downloading
        started.source = source
        started.url = url
        started.slot = slot
        started.startedAt = SystemFacts.monotonicSeconds()
        if let busy = progress.claim(started) { throw .busy(busy) }

        let writer = SlotWriter(slot: slot, targets: settings.targets(for: slot), store: store, booted: booted)
        let policy = BundlePolicy(board: settings.board, runningVersion: runningVersion(state), allowDowngrade: allowDowngrade)
        let bootloader = self.bootloader
        let store = self.store
        let sink = ProgressSink(inner: writer, progress: progress) {
            do {
                try bootloader.project(store.load().state)
                return nil
            } catch {
                return "the bootloader still points at slot \(slot) and could not be changed: \(error)"
            }
        }
        let verifier = BundleVerifier(trustedKeys: settings.trustedKeys, policy: policy, sink: sink)
        let job = InstallJob(verifier: verifier, slot: slot, store: store, progress: progress, maxBytes: settings.maxBundleBytes)
        current.withLock { $0.job = job }
        logger.notice("update: installing into slot \(slot)", metadata: ["source": "\(url ?? source.rawValue)"])
        return job
    }

    /// On the update thread, after the last byte: verify completeness, stage, tell the bootloader.
    private func complete(_ job: InstallJob) throws(UpdateError) -> UpdateOutcome {
        let (verified, state) = try job.finish(tries: bootloader.tries(requested: settings.tries))
        let tries = state.trial?.triesLeft ?? 0
        do {
            try bootloader.project(state)
        } catch {
            // The bootloader cannot be told: take the slot off trial again, so the state does not promise a trial
            // this install is reported to have failed (the next start-up projects the state as it is then).
            if let booted = bootedSlot {
                try? store.beginInstall(version: verified.manifest.version, into: job.slot, booted: booted)
                try? store.installFailed(into: job.slot)
            }
            throw .bootloader(error)
        }
        var seconds = 0.0
        progress.update {
            $0.phase = .staged
            $0.image = nil
            $0.finishedAt = SystemFacts.monotonicSeconds()
            seconds = $0.elapsedSeconds ?? 0
        }
        logger.notice(
            "update: staged \(verified.manifest.version) in slot \(job.slot) for \(tries) tries",
            metadata: ["bytes": "\(verified.size)", "seconds": "\(seconds)"]
        )
        return UpdateOutcome(version: verified.manifest.version, slot: job.slot, bytes: verified.size, seconds: seconds, tries: tries)
    }

    /// Records a failed install: the writer aborts (the slot stays off trial), the progress says why.
    private func fail(_ job: InstallJob, _ error: any Error) async {
        try? await onThread { job.abandon() }
        let reason = (error as? UpdateError) ?? .interrupted("\(error)")
        progress.update {
            $0.phase = .failed
            $0.error = reason
            $0.image = nil
            $0.finishedAt = SystemFacts.monotonicSeconds()
        }
        logger.warning("update: \(reason)")
    }

    /// Runs blocking work on the update thread.
    private func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await thread.runIfActive(work)
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw UpdateError.interrupted("the daemon is shutting down")
        }
    }

    // MARK: Marking and rebooting

    /// The running trial passed its health checks: it becomes the last good slot. False when it already was.
    @discardableResult
    public func markGood() throws(UpdateError) -> Bool {
        guard let booted = bootedSlot else { throw .unavailable(unavailableReason ?? "booted slot unknown") }
        let changed: Bool
        do {
            changed = try store.markGood(booted: booted)
        } catch {
            throw .slotState(error)
        }
        projectState()
        if changed { logger.notice("update: slot \(booted) committed: it is the last good slot now") }
        return changed
    }

    /// The running trial failed its health checks: the next boot returns to the last good slot.
    public func markBad() throws(UpdateError) {
        guard let booted = bootedSlot else { throw .unavailable(unavailableReason ?? "booted slot unknown") }
        do {
            try store.markBad(booted: booted)
        } catch {
            throw .slotState(error)
        }
        projectState()
        logger.warning("update: slot \(booted) marked bad: the next boot returns to the last good slot")
    }

    /// Projects the saved state into the bootloader's store. A failure is logged: the state is saved, and the next
    /// start-up's reconcile projects it again.
    private func projectState() {
        do {
            try bootloader.project(store.load().state)
        } catch {
            logger.error("update: the bootloader's store could not be written: \(error)")
        }
    }

    /// Reboots into the slot that should run next (a staged trial, else the last good slot): the bootloader adapter
    /// records what the reboot uses, then the daemon's reboot handler stops the services and restarts the machine.
    @discardableResult
    public func reboot() async throws(UpdateError) -> RebootPlan {
        guard let rebootHandler else { throw .rebootUnavailable("rebooting is not enabled on this system ([update] reboot)") }
        let phase = progress.snapshot.phase
        guard !phase.isBusy else { throw .rebootUnavailable("an update is being installed (\(phase.rawValue))") }
        let plan: RebootPlan
        do {
            plan = try bootloader.prepareReboot(store: store)
        } catch {
            if case .unsupported(let reason) = error { throw .rebootUnavailable(reason) }
            throw .bootloader(error)
        }
        logger.notice("update: \(plan)")
        do {
            try await rebootHandler(plan)
        } catch {
            throw .rebootUnavailable("\(error)")
        }
        return plan
    }
}
