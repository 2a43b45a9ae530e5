import Device
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the update side of the daemon: the health commit of a trial boot while the daemon runs, and at shutdown
/// stops an install in progress (recorded as failed, nothing staged). Listed before the HTTP server, so it stops
/// after it.
struct UpdateLifecycleService: Service {
    let update: UpdateService
    let commit: HealthCommit
    let logger: Logger

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let verdict = await commit.run()
                if verdict != .notOnTrial { logger.notice("update: trial verdict: \(verdict)") }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await update.shutdown()
    }
}

/// A reboot the update service asked for: the daemon stops its services, then restarts the machine as the plan
/// says (`Daemon.run`, after the service group ended).
final class RebootRequest: Sendable {
    private let state = Mutex<(plan: RebootPlan?, group: ServiceGroup?)>((nil, nil))

    /// The service group to stop when a reboot is asked for.
    func attach(_ group: ServiceGroup) {
        state.withLock { $0.group = group }
    }

    /// Records `plan` and starts the graceful shutdown; the reboot happens once every service stopped.
    func request(_ plan: RebootPlan) async {
        let group = state.withLock { state -> ServiceGroup? in
            state.plan = plan
            return state.group
        }
        await group?.triggerGracefulShutdown()
    }

    /// The reboot asked for, if any.
    var plan: RebootPlan? { state.withLock { $0.plan } }
}
