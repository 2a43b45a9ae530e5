import Device
import Logging
import ServiceLifecycle

/// Owns the hardware watchdog (`[device] watchdog`): opens it when the daemon's services start, sets and reads back
/// the timeout, feeds it from `WatchdogFeeder`'s thread while the health monitor's heartbeat is fresh and healthy,
/// and disarms it (magic close) when the daemon stops cleanly. First in the service group, it is the last to stop.
/// A device that cannot be opened is reported (`watchdog` degraded) and the daemon runs on without it.
struct WatchdogService: Service {
    let path: String
    let timeoutSeconds: Int
    let monitor: HealthMonitor
    let states: SubsystemStates
    let logger: Logger

    func run() async throws {
        let feeder: WatchdogFeeder
        do {
            feeder = try start()
        } catch {
            states.set("watchdog", SubsystemState(.degraded, detail: "not in use: \(error)"))
            logger.error("cannot use the watchdog", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        try? await gracefulShutdown()
        do {
            try feeder.stop()
            states.set("watchdog", SubsystemState(.stopped, detail: "\(path) disarmed"))
            logger.info("watchdog disarmed", metadata: ["device": "\(path)", "feeds": "\(feeder.current.feeds)"])
        } catch {
            states.set("watchdog", SubsystemState(.failed, detail: "could not disarm: \(error)"))
            logger.error("could not disarm the watchdog: it will reset the board", metadata: ["error": "\(error)"])
        }
    }

    private func start() throws(WatchdogError) -> WatchdogFeeder {
        let device = try WatchdogDevice(path: path)
        let taken: Int
        do {
            try device.setTimeout(seconds: timeoutSeconds)
            taken = try device.timeout()
        } catch {
            try? device.closeDisarmed()
            throw error
        }
        let monitor = monitor
        // Feed at least four times per timeout; a heartbeat must be younger than half the timeout (at most 5 s).
        let settings = WatchdogFeeder.Settings(
            feedInterval: .milliseconds(min(1000, taken * 1000 / 4)),
            staleAfter: .milliseconds(min(5000, taken * 1000 / 2))
        )
        let feeder: WatchdogFeeder
        do {
            feeder = try WatchdogFeeder(device: device, settings: settings, logger: logger) { monitor.heartbeat }
            try feeder.start()
        } catch {
            try? device.closeDisarmed()
            throw error
        }
        var facts = ["timeout \(taken) s"]
        if let identity = device.identity() { facts.append(identity) }
        if device.lastResetWasWatchdog() == true { facts.append("the last reset was the watchdog's") }
        states.set("watchdog", SubsystemState(.running, detail: "\(path): \(facts.joined(separator: ", "))"))
        if taken != timeoutSeconds {
            logger.warning("the watchdog took another timeout", metadata: ["asked": "\(timeoutSeconds)", "took": "\(taken)"])
        }
        logger.info("watchdog armed", metadata: ["device": "\(path)", "timeout": "\(taken)", "facts": "\(facts.joined(separator: "; "))"])
        return feeder
    }
}
