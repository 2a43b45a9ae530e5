#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Torrent

/// The daemon's VPN: the stored WireGuard file, the tunnel made from it, the interface watch and the kill
/// switch that keeps the engine inside it.
///
/// Life cycle: ``prepare()`` before the engine starts (the engine goes offline at once when a file is stored or
/// `required` is set: fail closed, before any socket exists); ``start()`` when the daemon runs (brings the tunnel
/// up, follows the interface, makes a vanished interface again after ``VPNSettings/repairDelay``); ``stop()`` at
/// shutdown, after the engine has stopped (deletes the interface and its routing).
///
/// Without a stored file and with `required` off the VPN is inactive and the engine stays online, unbound;
/// the first ``configure(_:)`` activates it (the engine goes offline first, then online inside the tunnel).
public actor VPNManager {
    public let settings: VPNSettings
    private let tunnel: WireGuardTunnel
    private let resolver: TunnelDNSResolver
    private let killSwitch: KillSwitch
    private let logger: Logger
    /// Keeps the web server from answering through the tunnel (``TunnelListenerGuard``); follows the interface
    /// from the moment the VPN is in charge.
    public nonisolated let listenerGuard: TunnelListenerGuard

    private var config: WireGuardConfig?
    private var implementation: WireGuardTunnel.Implementation?
    private var lastError: String?
    private var watch: InterfaceWatch?
    private var tasks: [Task<Void, Never>] = []
    /// The kill switch is in charge of the engine.
    private var active = false
    private var started = false
    /// A bring-up is running (the repair loop leaves the interface alone meanwhile).
    private var bringingUp = false

    public init(settings: VPNSettings, engine: any NetworkSwitchable, logger: Logger) {
        self.settings = settings
        tunnel = WireGuardTunnel(settings: settings.tunnel)
        resolver = TunnelDNSResolver(servers: [], binding: nil, logger: logger)
        killSwitch = KillSwitch(engine: engine, resolver: resolver, logger: logger)
        listenerGuard = TunnelListenerGuard(logger: logger)
        self.logger = logger
    }

    /// Reads the stored file and, when the VPN is to be in charge, takes the engine offline. Call before the
    /// engine listens or adds a torrent.
    public func prepare() async {
        if let bytes = settings.configFile.read() {
            do throws(WireGuardConfigError) {
                config = try WireGuardConfig(parsing: bytes, options: .init(fileName: "wireguard.conf"))
            } catch {
                lastError = "the stored VPN configuration is invalid: \(error)"
                logger.error("VPN: \(lastError ?? "")")
            }
        }
        let stored = settings.configFile.read() != nil
        guard stored || settings.required else { return }
        active = true
        let reason = config == nil ? (lastError ?? "no VPN is configured") : "the VPN is starting"
        await killSwitch.start(offline: reason)
    }

    /// Starts following the interface and brings the tunnel up (when a valid file is stored).
    public func start() async {
        started = true
        guard active else { return }
        await activate()
        if let config { await bringUp(config) }
    }

    /// Stops following, then deletes the interface and its routing. Call after the engine has stopped.
    public func stop() async {
        for task in tasks { task.cancel() }
        tasks.removeAll()
        watch?.stop()
        watch = nil
        if config != nil { await tunnel.down() }
    }

    /// Validates `bytes` as a wg-quick file, stores it (0600) and brings the tunnel up from it. The returned
    /// status says whether that worked; only an invalid file or a failed write throw.
    public func configure(_ bytes: [UInt8]) async throws(VPNConfigureError) -> VPNStatus {
        let parsed: WireGuardConfig
        do throws(WireGuardConfigError) {
            parsed = try WireGuardConfig(parsing: bytes, options: .init(fileName: "wireguard.conf"))
        } catch {
            throw .invalid(error)
        }
        do throws(StorageError) {
            try settings.configFile.write(bytes)
        } catch {
            throw .storage(error.description)
        }
        config = parsed
        lastError = nil
        logger.notice("VPN: new configuration stored", metadata: ["peers": "\(parsed.peers.count)"])
        if !active {
            active = true
            await killSwitch.start(offline: "applying a new VPN configuration")
            if started { await activate() }
        }
        if started { await bringUp(parsed) }
        return await status()
    }

    /// Whether the tunnel answers: a handshake within the last two minutes, or a new one within `within` after
    /// sending a datagram into the tunnel (to port 9 of its first DNS server, else of its network's first host).
    public func test(within: Duration) async -> VPNTestResult {
        let start = ContinuousClock.now
        func result(_ ok: Bool, _ message: String, age: Int? = nil) -> VPNTestResult {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            return VPNTestResult(ok: ok, message: message, handshakeAgeSeconds: age, elapsedMilliseconds: milliseconds)
        }
        guard let config else { return result(false, "no VPN is configured") }
        guard let binding = watch?.state.binding else {
            return result(false, "the tunnel is down: \(watch?.state.unusableReason ?? killSwitch.status.reason ?? "not started")")
        }
        let before = (try? await tunnel.status())?.latestHandshake
        let now = Int(time(nil))
        if let before, now - before < 120 { return result(true, "handshake \(now - before) s ago", age: now - before) }
        if let target = TunnelProbe.target(for: config) { TunnelProbe.poke(target, binding: binding) }
        let deadline = start + within
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            if let latest = (try? await tunnel.status())?.latestHandshake, latest > (before ?? 0) {
                return result(true, "handshake after the test started", age: max(0, Int(time(nil)) - latest))
            }
        }
        return result(false, "no handshake within \(within.components.seconds) s: is the endpoint reachable and the key right?")
    }

    /// What `/api/v1/status` shows, without asking WireGuard: whether the engine may send, and why not.
    public func headline() -> (online: Bool, text: String) {
        guard active else { return (true, "no VPN configured: the engine uses any network") }
        let status = killSwitch.status
        return status.online
            ? (true, "VPN up (\(tunnel.interfaceName))")
            : (false, "VPN down — downloads paused: \(status.reason ?? "offline")")
    }

    /// The state for `GET /api/v1/vpn`.
    public func status() async -> VPNStatus {
        let killSwitchStatus = active ? killSwitch.status : nil
        var tunnelStatus: TunnelStatus?
        if active, watch?.state.exists == true { tunnelStatus = try? await tunnel.status() }
        let now = Int(time(nil))
        let message = switch (active, killSwitchStatus?.online) {
        case (false, _): "no VPN configured: the engine uses any network"
        case (true, true?): "VPN up"
        default: "VPN down — downloads paused"
        }
        return VPNStatus(
            configured: config != nil, required: settings.required, interface: tunnel.interfaceName,
            implementation: implementation, message: message, killSwitch: killSwitchStatus, error: lastError,
            handshakeAgeSeconds: tunnelStatus?.latestHandshake.map { max(0, now - $0) }, tunnel: tunnelStatus,
            config: config?.summary
        )
    }

    // MARK: - Inside

    /// Starts the watch, the kill switch and the repair loop (once).
    private func activate() async {
        guard watch == nil else { return }
        do throws(InterfaceWatchError) {
            let watch = try InterfaceWatch(interfaceName: tunnel.interfaceName, logger: logger)
            self.watch = watch
            listenerGuard.follow(watch)
            let killSwitch = killSwitch
            tasks.append(Task { await killSwitch.run(watch: watch) })
            tasks.append(Task { await self.repairLoop() })
        } catch {
            lastError = "cannot watch \(tunnel.interfaceName): \(error)"
            killSwitch.hold(reason: lastError ?? "cannot watch the interface")
        }
    }

    /// Brings the tunnel up from `config`, holding the engine offline meanwhile.
    private func bringUp(_ config: WireGuardConfig) async {
        while bringingUp { try? await Task.sleep(for: .milliseconds(50)) }
        bringingUp = true
        defer { bringingUp = false }
        killSwitch.hold(reason: "bringing the tunnel up")
        resolver.update(servers: config.interface.dnsServers.map { DNSServer(address: $0) })
        do throws(TunnelError) {
            implementation = try await tunnel.up(config)
            lastError = nil
            logger.notice("VPN: tunnel up", metadata: ["interface": "\(tunnel.interfaceName)", "implementation": "\(implementation?.rawValue ?? "")"])
            killSwitch.release()
        } catch {
            lastError = "the tunnel could not be brought up: \(error)"
            logger.error("VPN: \(lastError ?? "")")
            killSwitch.hold(reason: lastError ?? "the tunnel could not be brought up")
        }
    }

    /// Makes the interface again when it vanished (or a bring-up failed), after ``VPNSettings/repairDelay``,
    /// doubling the wait after each failure up to a minute.
    private func repairLoop() async {
        var delay = settings.repairDelay
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            guard let config, let watch, !bringingUp else { continue }
            guard !watch.state.exists else {
                delay = settings.repairDelay
                continue
            }
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled, !self.bringingUp, !watch.state.exists else { continue }
            logger.warning("VPN: \(tunnel.interfaceName) is gone; making it again")
            await bringUp(config)
            delay = lastError == nil ? settings.repairDelay : min(delay * 2, .seconds(60))
        }
    }
}
