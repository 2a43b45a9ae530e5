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

extension EventLoopFuture where Value: Sendable {
    /// Whether the future completes within `time` (false when the calling task is cancelled first).
    func completes(within time: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.completedOrCancelled()
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: time)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
