#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the slot state lives on the device: two copies in one folder (`slots.state`, then `slots.state.bak`),
/// each written durably (temp + fsync + rename + folder fsync). Loading takes the valid copy with the higher
/// generation; with neither valid it falls back to `SlotState.fallback` (boot slot A), and never throws.
///
/// Every operation is load → change → save, and a power cut at any point leaves either the old or the new state
/// in at least one copy. Operations that change the state hold an exclusive `flock` on `slots.lock` in the folder,
/// so the daemon and `rill slot` (scripts, the initramfs) never interleave a load and a save.
public struct SlotStore: Sendable {
    /// Where a loaded state came from.
    public enum Source: String, Sendable, Equatable {
        case primary, backup
        /// No valid copy: `SlotState.fallback`.
        case fallback
    }

    /// A loaded state, where it came from, and what was wrong with the copies that were not used.
    public struct Loaded: Sendable, Equatable {
        public let state: SlotState
        public let source: Source
        /// Problems with copies that exist but could not be believed (for the log).
        public let problems: [String]
    }

    public let directory: String
    /// Tests cut the power here.
    var powerCut = PowerCut.never

    public init(directory: String) {
        self.directory = directory
    }

    /// The main copy.
    public var primaryPath: String { directory + "/slots.state" }
    /// The second copy, written after the main one.
    public var backupPath: String { directory + "/slots.state.bak" }

    /// The current state; never fails (see the type's description).
    public func load() -> Loaded {
        var problems: [String] = []
        var best: (SlotState, Source)?
        for (path, source) in [(primaryPath, Source.primary), (backupPath, Source.backup)] {
            do {
                guard let bytes = try DurableFile.read(path, limit: SlotStateFile.maxBytes) else { continue }
                let state = try SlotStateFile.decode(bytes, path: path)
                if best.map({ state.generation > $0.0.generation }) ?? true { best = (state, source) }
            } catch {
                problems.append("\(error)")
            }
        }
        guard let (state, source) = best else { return Loaded(state: .fallback, source: .fallback, problems: problems) }
        return Loaded(state: state, source: source, problems: problems)
    }

    /// Saves `state` as the next generation into both copies, main first.
    func save(_ state: SlotState) throws(SlotStateError) {
        var next = state
        next.generation = state.generation &+ 1
        let bytes = SlotStateFile.encode(next)
        do {
            try DurableFile.write(bytes, to: primaryPath, powerCut: powerCut)
            try DurableFile.write(bytes, to: backupPath, powerCut: powerCut)
        } catch {
            throw .file(error)
        }
    }

    /// Loads the state, applies `change` and saves the result if it differs. Nothing is saved when `change` throws.
    @discardableResult
    public func update<Result>(_ change: (inout SlotState) throws(SlotStateError) -> Result) throws(SlotStateError) -> Result {
        let lock = StateLock(directory: directory)
        defer { lock.release() }
        let loaded = load().state
        var state = loaded
        let result = try change(&state)
        if state != loaded { try save(state) }
        return result
    }

    /// The boot decision (`SlotState.selectBoot()`), saved before it is returned. When the save fails, the trial is
    /// not booted: a try that is not counted could be used forever. The answer is always a bootable slot.
    public func bootSelection() -> BootDecision {
        let lock = StateLock(directory: directory)
        defer { lock.release() }
        let loaded = load().state
        var state = loaded
        let decision = state.selectBoot()
        guard state != loaded else { return decision }
        do {
            try save(state)
            return decision
        } catch {
            return BootDecision(slot: loaded.lastGood, reason: .trialNotRecorded)
        }
    }

    /// On a start with no valid state (first boot of a fresh image, or both copies lost): record the running slot as
    /// the last good one holding `version`, so the next install goes into the other slot. False when a state exists.
    @discardableResult
    public func adoptRunningSystem(booted: Slot, version: BundleVersion) throws(SlotStateError) -> Bool {
        let lock = StateLock(directory: directory)
        defer { lock.release() }
        let loaded = load()
        guard loaded.source == .fallback else { return false }
        try save(SlotState(lastGood: booted, version: version))
        return true
    }

    // MARK: Operations (each one load → change → save)

    /// See `SlotState.beginInstall(version:into:booted:)`.
    public func beginInstall(version: BundleVersion, into slot: Slot, booted: Slot) throws(SlotStateError) {
        try update { (state) throws(SlotStateError) in try state.beginInstall(version: version, into: slot, booted: booted) }
    }

    /// See `SlotState.installFailed(into:)`.
    public func installFailed(into slot: Slot) throws(SlotStateError) {
        try update { (state) throws(SlotStateError) in try state.installFailed(into: slot) }
    }

    /// Puts a written and re-hashed slot on trial for `tries` boots.
    func stage(_ verified: VerifiedSlot, tries: Int) throws(SlotStateError) {
        try update { (state) throws(SlotStateError) in try state.stage(verified, tries: tries) }
    }

    /// See `SlotState.markGood(booted:)`.
    @discardableResult
    public func markGood(booted: Slot) throws(SlotStateError) -> Bool {
        try update { (state) throws(SlotStateError) in try state.markGood(booted: booted) }
    }

    /// See `SlotState.markBad(booted:)`.
    public func markBad(booted: Slot) throws(SlotStateError) {
        try update { (state) throws(SlotStateError) in try state.markBad(booted: booted) }
    }
}

extension SlotStore {
    /// See `SlotState.recordTriesLeft(_:of:)`.
    func recordTriesLeft(_ left: Int, of slot: Slot) throws(SlotStateError) {
        try update { state in state.recordTriesLeft(left, of: slot) }
    }
}

/// An exclusive `flock` on `slots.lock` in the state folder, held for one load → change → save. Where the lock file
/// cannot be opened (a read-only folder), nothing is locked: the save that follows fails with its own error.
private struct StateLock {
    private let descriptor: Int32

    init(directory: String) {
        descriptor = open(directory + "/slots.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor >= 0 {
            while flock(descriptor, LOCK_EX) != 0, errno == EINTR {}
        }
    }

    func release() {
        if descriptor >= 0 { close(descriptor) }
    }
}
