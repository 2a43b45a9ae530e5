import Device
import ServiceLifecycle

/// Clears the crash loop guard's start record once the daemon has run for the guard's window: a run that long is
/// not part of a crash loop (also in safe mode: the next start is a normal one).
struct StableRunService: Service {
    let guardian: CrashLoopGuard

    func run() async throws {
        let guardian = guardian
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: guardian.window)
            guardian.clear(because: "ran \(Int(guardian.window.components.seconds / 60)) minutes")
            try await gracefulShutdown()
        }
    }
}
