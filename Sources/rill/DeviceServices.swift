import Config
import Device
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Store
import Torrent

/// The device services of `[device]` (docs/DEVICE.md), built for the daemon: the health monitor and its checks, the
/// watchdog. `first` go at the head of the service group (they stop last), `last` at its tail (stops first).
struct DeviceServices {
    let health: HealthMonitor
    let first: [ServiceGroupConfiguration.ServiceConfiguration]
    let last: [ServiceGroupConfiguration.ServiceConfiguration]

    init(config: RillConfig, store: Store, engine: Engine?, states: SubsystemStates, logger: Logger) {
        var checks: [HealthMonitor.Entry] = [
            .init(EventLoopCheck(name: "event-loops") { Array(MultiThreadedEventLoopGroup.singleton.makeIterator()) }),
            .init(StoreWriteCheck(store: store)),
            .init(SubsystemCheck(states: states), stopsAtShutdown: false),
        ]
        if let engine {
            checks.insert(.init(EventLoopCheck(name: "engine") { [engine.loop] }), at: 1)
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
        self.first = first
        self.last = [.init(service: ShutdownNoticeService(monitor: health))]
    }
}
