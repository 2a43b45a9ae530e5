import Netguard
import Synchronization

/// Records every state an `InterfaceWatch` reports, with the time it arrived, so a test can ask "was this
/// reported, and how soon after I acted?".
final class StateRecorder: Sendable {
    private let entries = Mutex<[(at: ContinuousClock.Instant, state: InterfaceState)]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ watch: InterfaceWatch) {
        let stream = watch.updates()
        task.withLock {
            $0 = Task { [weak self] in
                for await state in stream { self?.append(state) }
            }
        }
    }

    deinit { task.withLock { $0?.cancel() } }

    private func append(_ state: InterfaceState) {
        entries.withLock { $0.append((ContinuousClock.now, state)) }
    }

    /// Waits until the first state (the current one, yielded at subscription) has been recorded, so that later
    /// entries are changes.
    func ready() async {
        while entries.withLock({ $0.isEmpty }) { try? await Task.sleep(for: .milliseconds(1)) }
    }

    var states: [InterfaceState] { entries.withLock { $0.map(\.state) } }

    /// How long after `since` a state satisfying `predicate` arrived; `nil` if none within `timeout`.
    func latency(since: ContinuousClock.Instant, timeout: Duration = .seconds(3),
                 _ predicate: (InterfaceState) -> Bool) async -> Duration? {
        while ContinuousClock.now - since < timeout {
            let hit = entries.withLock { list in list.first { $0.at >= since && predicate($0.state) }?.at }
            if let hit { return hit - since }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }
}
