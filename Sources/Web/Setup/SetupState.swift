import Synchronization

/// Whether the first-run setup is finished: read on every request by the auth middleware, so it is a flag
/// behind a lock, not an actor. The durable copy is the `setup.done` row of the `meta` table (`SetupWizard`).
public final class SetupState: Sendable {
    private let done: Mutex<Bool>

    public init(done: Bool) {
        self.done = Mutex(done)
    }

    public var isDone: Bool { done.withLock { $0 } }

    /// Records in memory that setup is finished (the wizard has already written it to the store).
    public func markDone() {
        done.withLock { $0 = true }
    }
}

import Store

extension SetupState {
    /// The `meta` key that records a finished setup.
    static let metaKey = "setup.done"

    /// The flag as the store has it.
    public static func load(from store: Store) async throws -> SetupState {
        SetupState(done: try await store.read { try MetaTable.value(metaKey, in: $0) } == "1")
    }
}
