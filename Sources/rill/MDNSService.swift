import Config
import Device
import Logging
import ServiceLifecycle
import Synchronization

/// The web server's port once it listens (the configuration may say 0), for the mDNS service record.
final class ListeningPort: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
}

/// Runs the mDNS responder (`[device] mdns`): waits for the web server's port, answers for `<hostname>.local` and
/// `<hostname>-XXXX.local` and the `_http._tcp` service until shutdown, then sends the goodbyes. Reports as the `mdns`
/// subsystem. A responder that cannot start (port 5353 refused) is reported, and the daemon runs on without it.
struct MDNSService: Service {
    let config: RillConfig
    let webPort: ListeningPort
    let states: SubsystemStates
    let logger: Logger

    /// Whether `[device] mdns` turns the responder on: `auto` when the web UI listens beyond loopback.
    static func isEnabled(_ config: RillConfig) -> Bool {
        switch config.device.mdns {
        case "on": return true
        case "off": return false
        default:
            let host = config.http.host
            return !(host.hasPrefix("127.") || host == "::1" || host == "localhost")
        }
    }

    func run() async throws {
        let webPort = webPort, config = config, states = states, logger = logger
        try? await cancelWhenGracefulShutdown {
            var port = webPort.value
            while port == nil {
                try await Task.sleep(for: .milliseconds(100))
                port = webPort.value
            }
            let responder: MDNSResponder
            do {
                let identity = try DeviceIdentity.load(dataDirectory: config.dataDirectory)
                if let replaced = identity.replaced { logger.warning("new device id", metadata: ["because": "\(replaced)"]) }
                responder = try MDNSResponder(settings: MDNSSettings(
                    hostname: config.device.hostname, suffix: String(identity.id.prefix(4)), port: UInt16(port ?? 80),
                    txt: ["path=/", "version=\(RillVersion.current)"], excludedInterfaces: [config.vpn.interface]
                ), logger: logger)
                try responder.start()
            } catch {
                states.set("mdns", SubsystemState(.degraded, detail: "not answering: \(error)"))
                logger.error("mDNS responder cannot start", metadata: ["error": "\(error)"])
                try await gracefulShutdown()
                return
            }
            defer { responder.stop() }
            while !Task.isCancelled {
                let status = responder.status
                let interfaces = status.interfaces.isEmpty ? "no LAN interface yet" : status.interfaces.joined(separator: "; ")
                states.set("mdns", SubsystemState(
                    .running, detail: "\(status.names.joined(separator: ", ")) (\(status.phase)) on \(interfaces)"
                ))
                try await Task.sleep(for: .seconds(2))
            }
        }
        states.set("mdns", SubsystemState(.stopped))
    }
}
