import NIOCore
import Synchronization

extension EventLoopFuture where Value: Sendable {
    /// Returns when the future completes (successfully or not) or when the calling task is cancelled, whichever
    /// is first. Unlike `get()`, a cancelled caller does not stay waiting for the future.
    func completedOrCancelled() async {
        let resumed = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let finish: @Sendable () -> Void = {
            resumed.withLock { continuation in
                continuation?.resume()
                continuation = nil
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                resumed.withLock { $0 = continuation }
                if Task.isCancelled { finish() }
                whenComplete { _ in finish() }
            }
        } onCancel: {
            finish()
        }
    }
}
