import Config
import Device
import Logging
import Netguard
import NIOCore
import NIOPosix
import ServiceLifecycle
import Store
import Torrent

/// The device services of `[device]` (docs/DEVICE.md), built for the daemon: the health monitor and its checks, the
/// watchdog, the crash loop guard's stable-run timer, the mDNS responder, the status LEDs. `first` go at the head of
/// the service group (they stop last), `last` at its tail (they stop first).
struct DeviceServices {
    let health: HealthMonitor
    /// Where the web's setup wizard and OTA tell the LEDs whether setup is needed and an update is running.
    let signals = DeviceSignals()
    /// Set by the web server once it listens: the port the mDNS service record names.
    let webPort = ListeningPort()
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

    /// `engine` (and with it `library` and `vpn`) is nil in safe mode (no engine runs).
    init(
        config: RillConfig, start: StartCheck, store: Store, engine: Engine?, library: TorrentLibrary?, vpn: VPNManager?,
        states: SubsystemStates, logger: Logger
    ) {
        var checks: [HealthMonitor.Entry] = [
            .init(EventLoopCheck(name: "event-loops") { Array(MultiThreadedEventLoopGroup.singleton.makeIterator()) }),
            // In safe mode a failing store is reported, but it does not stop the watchdog: a reset would not mend it.
            .init(StoreWriteCheck(store: store), gatesWatchdog: !start.safeMode),
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
        // The LEDs and mDNS stop before the web server and the engine: the goodbyes go out while the web UI still
        // answers, and the LED facts never ask an engine that has stopped.
        var last: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if MDNSService.isEnabled(config) {
            last.append(.init(service: MDNSService(config: config, webPort: webPort, states: states, logger: logger)))
        }
        if let backend = Self.lightBackend(config.device, logger: logger) {
            let facts = Self.facts(
                safeMode: start.safeMode, health: health, signals: signals, library: library, vpn: vpn, states: states
            )
            last.append(.init(service: LEDService(lights: StatusLights(backend: backend, logger: logger), facts: facts, states: states)))
        }
        last.append(.init(service: ShutdownNoticeService(monitor: health)))
        self.last = last
    }
}

extension DeviceServices {
    /// The status LEDs' backend from `[device] leds`: the board's LEDs (sysfs), GPIO lines, the log, or none (`off`).
    /// `auto` takes the first that exists. A configured backend that cannot be used falls back to the log.
    static func lightBackend(_ settings: RillConfig.DeviceSettings, logger: Logger) -> (any StatusLightBackend)? {
        let log = LogLEDs { line in logger.info("\(line)") }
        let sysfs = { SysfsLEDs(directory: settings.ledSysfsDirectory, actInverted: settings.ledActInverted) }
        let gpio = { () -> (any StatusLightBackend)? in
            guard !settings.ledGPIOChip.isEmpty else { return nil }
            let green = settings.ledGPIOGreenLine >= 0 ? settings.ledGPIOGreenLine : nil
            let red = settings.ledGPIORedLine >= 0 ? settings.ledGPIORedLine : nil
            do {
                let lines = try GpiodLines(chip: settings.ledGPIOChip, green: green, red: red, activeLow: settings.ledGPIOActiveLow)
                let offsets = [green, red].compactMap { $0 }.map(String.init).joined(separator: ", ")
                return try GPIOLEDs(lines: lines, name: "gpio (\(settings.ledGPIOChip) \(offsets))")
            } catch {
                logger.error("GPIO status LEDs unusable; using the log", metadata: ["error": "\(error)"])
                return nil
            }
        }
        switch settings.leds {
        case "off": return nil
        case "log": return log
        case "sysfs":
            if let found = sysfs() { return found }
            logger.error("no ACT or PWR LED; using the log", metadata: ["directory": "\(settings.ledSysfsDirectory)"])
            return log
        case "gpio": return gpio() ?? log
        default: return sysfs() ?? gpio() ?? log
        }
    }

    /// The facts the LED state is made from, gathered from the daemon's own parts.
    static func facts(
        safeMode: Bool, health: HealthMonitor, signals: DeviceSignals, library: TorrentLibrary?, vpn: VPNManager?,
        states: SubsystemStates
    ) -> @Sendable () async -> DeviceFacts {
        { () async -> DeviceFacts in
            let report = await health.currentHealth()
            let subsystems = states.snapshot
            var facts = DeviceFacts()
            facts.error = safeMode || (report.settled && !report.healthy)
            facts.updating = await signals.isUpdating()
            facts.booting = subsystems["http"]?.phase != .running || subsystems["engine"]?.phase == .starting
            facts.setupNeeded = await signals.isSetupNeeded()
            // The engine is asked only while it runs.
            let engineRuns = subsystems["engine"]?.phase == .running
            if let vpn, engineRuns { facts.vpnDown = await !vpn.headline().online }
            if let library, engineRuns { facts.downloading = await library.list().contains { $0.state == .downloading } }
            return facts
        }
    }
}
