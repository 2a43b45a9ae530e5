import Device
import ServiceLifecycle

/// Runs the health monitor's rounds until the daemon's shutdown reaches it. Listed near the start of the service
/// group, it stops late, so the watchdog hears heartbeats while the other services stop.
struct HealthService: Service {
    let monitor: HealthMonitor

    func run() async throws {
        let monitor = monitor
        let rounds = Task { await monitor.run() }
        try? await gracefulShutdown()
        rounds.cancel()
        await rounds.value
    }
}

/// The last service of the group, so the first to hear the shutdown: it tells the health monitor to stop checking
/// the parts the shutdown is about to stop (engine, store, HTTP loops), so a clean stop is not reported as a failure
/// and the watchdog stays fed until its own service disarms it.
struct ShutdownNoticeService: Service {
    let monitor: HealthMonitor

    func run() async throws {
        try? await gracefulShutdown()
        monitor.beginShutdown()
    }
}
