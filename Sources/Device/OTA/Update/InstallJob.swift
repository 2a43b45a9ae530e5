import Synchronization

/// One install, from the first bundle byte to the staged slot: the verifier writing the inactive slot through a
/// `SlotWriter`, with the progress it reports.
///
/// Threading: the job does blocking file work (writes, fsync, read-back of whole partitions), so every call runs on
/// the update service's own thread, never on Swift's cooperative pool; the service awaits each call before making
/// the next, so the job needs no lock. Only `cancel()` may be called from anywhere.
final class InstallJob: @unchecked Sendable {
    let slot: Slot
    private var verifier: BundleVerifier<ProgressSink<SlotWriter>>
    private let store: SlotStore
    private let progress: ProgressBox
    private let maxBytes: Int
    private let cancelled = Atomic<Bool>(false)
    private var ended = false

    init(verifier: BundleVerifier<ProgressSink<SlotWriter>>, slot: Slot, store: SlotStore, progress: ProgressBox, maxBytes: Int) {
        self.verifier = verifier
        self.slot = slot
        self.store = store
        self.progress = progress
        self.maxBytes = maxBytes
    }

    /// Bundle bytes taken so far (where a resumed download must continue).
    var bytesConsumed: Int { verifier.bytesConsumed }

    /// The bundle's whole length, once its signed manifest is known, else as the transport announced it.
    var expectedLength: Int? { verifier.expectedLength ?? verifier.announcedLength }

    /// True once `cancel()` was called.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Asks the job to stop (shutdown): the next `consume` fails. Safe from any thread.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// The bundle's whole length as the transport announced it; call before the first byte.
    func announce(length: Int) throws(UpdateError) {
        guard length <= maxBytes else {
            abandon()
            throw .tooLarge(limit: maxBytes)
        }
        verifier.announcedLength = length
        progress.update { $0.totalBytes = length }
    }

    /// Verifies and writes the next bytes of the bundle.
    func consume(_ bytes: UnsafeRawBufferPointer) throws(UpdateError) {
        guard !isCancelled else {
            abandon()
            throw .interrupted("the daemon is shutting down")
        }
        guard verifier.bytesConsumed + bytes.count <= maxBytes else {
            abandon()
            throw .tooLarge(limit: maxBytes)
        }
        do {
            try verifier.consume(bytes)
        } catch {
            ended = true
            throw .bundle(error)
        }
        let consumed = verifier.bytesConsumed
        let total = verifier.expectedLength
        progress.update {
            $0.bytes = consumed
            if let total { $0.totalBytes = total }
        }
    }

    /// The bundle ended: checks it was complete, then puts the slot on trial for `tries` boots. Returns the
    /// verified bundle and the state after staging.
    func finish(tries: Int) throws(UpdateError) -> (VerifiedBundle, SlotState) {
        let verified: VerifiedBundle
        do {
            verified = try verifier.finish()
        } catch {
            ended = true
            throw .bundle(error)
        }
        progress.update { $0.phase = .staging }
        ended = true
        do {
            return (verified, try verifier.sink.inner.stage(verified, tries: tries))
        } catch {
            // Written and read back, but not staged: the slot stays off trial.
            try? store.installFailed(into: slot)
            throw .slotState(error)
        }
    }

    /// The bundle stopped arriving (client gone, download failed, shutdown): the writer is told to abort and the
    /// state records the failed install. Nothing was put on trial. Harmless when the job already ended.
    func abandon() {
        guard !ended else { return }
        ended = true
        if (try? verifier.finish()) != nil {
            // Complete but never staged (the caller gave up after the last byte).
            try? store.installFailed(into: slot)
        }
    }
}
