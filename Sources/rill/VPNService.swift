import Config
import Device
import Logging
import Netguard
import ServiceLifecycle

/// Runs the VPN: brings the stored WireGuard tunnel up, keeps the engine inside it (kill switch) and, at
/// shutdown, after the engine has stopped, takes the tunnel down. `prepare(_:)` runs before any service, so the
/// engine is offline before it opens a socket whenever a VPN is configured or required.
struct VPNService: Service {
    let manager: VPNManager
    let states: SubsystemStates

    /// The manager for the daemon's configuration, with the engine already switched as the VPN requires.
    static func prepare(config: RillConfig, engine: any NetworkSwitchable, logger: Logger) async -> VPNManager {
        let settings = Netguard.VPNSettings(
            tunnel: TunnelSettings(
                interfaceName: config.vpn.interface, routingTable: config.vpn.routingTable,
                rulePriority: config.vpn.rulePriority
            ),
            configFile: VPNConfigFile(dataDirectory: config.dataDirectory),
            required: config.vpn.isRequired
        )
        let manager = VPNManager(settings: settings, engine: engine, logger: logger)
        await manager.prepare()
        return manager
    }

    func run() async throws {
        states.set("vpn", SubsystemState(.starting))
        await manager.start()
        let manager = manager, states = states
        // `/api/v1/status` follows the kill switch (once a second; `/api/v1/vpn` asks WireGuard itself).
        let reporter = Task {
            while !Task.isCancelled {
                let (online, text) = await manager.headline()
                states.set("vpn", SubsystemState(online ? .running : .degraded, detail: text))
                try? await Task.sleep(for: .seconds(1))
            }
        }
        try? await gracefulShutdown()
        reporter.cancel()
        states.set("vpn", SubsystemState(.stopping))
        await manager.stop()
        states.set("vpn", SubsystemState(.stopped))
    }
}
