import Config
import Device
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Store
import Torrent

/// The device services of `[device]` (docs/DEVICE.md), built for the daemon: the health monitor and its checks, the
/// watchdog, the crash loop guard's stable-run timer. `first` go at the head of the service group (they stop last),
/// `last` at its tail (stops first).
struct DeviceServices {
    let health: HealthMonitor
    let first: [ServiceGroupConfiguration.ServiceConfiguration]
    let last: [ServiceGroupConfiguration.ServiceConfiguration]

    /// Records this start in the crash loop guard's record and decides whether the daemon runs in safe mode
    /// (reported as the `safe_mode` subsystem). Call before anything that could be what crashes.
    static func checkStart(config: RillConfig, states: SubsystemStates, logger: Logger) -> StartCheck {
        let guardian = CrashLoopGuard(
            dataDirectory: config.dataDirectory, threshold: config.device.crashLoopStarts,
            window: .seconds(config.device.crashLoopMinutes * 60), logger: logger
        )
        let verdict = guardian.recordStart()
        if let reason = verdict.reason {
            states.set("safe_mode", SubsystemState(.degraded, detail: reason))
        }
        if let problem = verdict.problem {
            states.set("crash_loop_record", SubsystemState(.degraded, detail: problem))
        }
        return StartCheck(guardian: guardian, verdict: verdict)
    }

    /// The crash loop guard and its verdict on this start.
    struct StartCheck {
        let guardian: CrashLoopGuard
        let verdict: CrashLoopGuard.Verdict
        var safeMode: Bool { verdict.safeMode }

        /// After the service group ended without an error: the start record is cleared.
        func cleanStop() { guardian.clear(because: "clean stop") }
    }

    /// `engine` is nil in safe mode (no engine runs).
    init(config: RillConfig, start: StartCheck, store: Store, engine: Engine?, states: SubsystemStates, logger: Logger) {
        var checks: [HealthMonitor.Entry] = [
            .init(EventLoopCheck(name: "event-loops") { Array(MultiThreadedEventLoopGroup.singleton.makeIterator()) }),
            .init(StoreWriteCheck(store: store)),
            .init(SubsystemCheck(states: states), stopsAtShutdown: false),
        ]
        if let engine {
            checks.insert(.init(EventLoopCheck(name: "engine") { [engine.loop] }), at: 1)
        } else {
            states.set("engine", SubsystemState(.stopped, detail: "not started: safe mode"))
        }
        let health = HealthMonitor(checks: checks, logger: logger)
        self.health = health
        var first: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if !config.device.watchdog.isEmpty {
            first.append(.init(service: WatchdogService(
                path: config.device.watchdog, timeoutSeconds: config.device.watchdogTimeoutSeconds, monitor: health,
                states: states, logger: logger
            )))
        }
        first.append(.init(service: HealthService(monitor: health)))
        first.append(.init(service: StableRunService(guardian: start.guardian)))
        self.first = first
        self.last = [.init(service: ShutdownNoticeService(monitor: health))]
    }
}
