import Synchronization

/// The update's progress, shared between the install thread (which writes it) and the routes (which read it).
final class ProgressBox: Sendable {
    private let value: Mutex<UpdateProgress>

    init(_ progress: UpdateProgress) {
        value = Mutex(progress)
    }

    var snapshot: UpdateProgress { value.withLock { $0 } }

    func update(_ change: (inout UpdateProgress) -> Void) {
        value.withLock { change(&$0) }
    }

    /// Sets `progress` when no update holds the writer; false (and no change) when one does.
    func claim(_ progress: UpdateProgress) -> UpdateProgress.Phase? {
        value.withLock { current in
            if current.phase.isBusy { return current.phase }
            current = progress
            return nil
        }
    }
}

/// A sink in front of another that reports each image's start and read-back into the progress, and lets the
/// bootloader's store catch up with the slot state after `prepare` (which withdrew any trial of the slot) and before
/// the first slot byte: a bootloader must never point at a slot that is being written.
struct ProgressSink<Inner: BundleImageSink>: BundleImageSink {
    var inner: Inner
    let progress: ProgressBox
    /// Called after the inner sink prepared; returns why the install must not go on, or nil.
    let afterPrepare: @Sendable () -> String?

    mutating func prepare(for manifest: BundleManifest) throws(BundleSinkError) {
        try inner.prepare(for: manifest)
        progress.update { $0.version = manifest.version }
        if let problem = afterPrepare() { throw .refused(problem) }
    }

    mutating func begin(image: BundleImage) throws(BundleSinkError) {
        progress.update { $0.image = image.name }
        try inner.begin(image: image)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(BundleSinkError) {
        try inner.write(bytes)
    }

    mutating func finish(image: BundleImage) throws(BundleSinkError) {
        let phase = progress.snapshot.phase
        progress.update { $0.phase = .readingBack }
        defer { progress.update { $0.phase = phase } }
        try inner.finish(image: image)
    }

    mutating func abort() {
        inner.abort()
    }
}
