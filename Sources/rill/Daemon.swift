import Config
import Device
import Logging
import Metrics
import Netguard
import Prometheus
import ServiceLifecycle
import Store
import Stream
import Torrent
import Transcode
import UnixSignals
import Web

/// The running daemon: sets up logging and metrics, opens the store, and runs the services until SIGTERM or
/// SIGINT, then shuts them down in reverse order (HTTP stops accepting and finishes in-flight requests first, the
/// store closes last) within `shutdownLimit`.
struct Daemon {
    let config: RillConfig
    let configFile: String?
    /// The process environment (the settings page shows which keys it overrides).
    var environment: [String: String] = [:]

    /// How long a graceful shutdown may take before remaining work is cancelled; SIGTERM must end within 5 s.
    static let shutdownLimit = Duration.seconds(3)

    func run() async throws {
        // Everything logged also goes into a bounded ring for the system page.
        let logRing = LogRing()
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return MultiplexLogHandler([handler, RingLogHandler(label: label, ring: logRing, level: level)])
        }
        let logger = Logger(label: "rill")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let startedAt = SystemFacts.monotonicSeconds()
        let states = SubsystemStates()
        logger.info(
            "rill starting",
            metadata: ["version": "\(RillVersion.current)", "config": "\(configFile ?? "built-in defaults")", "data": "\(config.dataDirectory)"]
        )
        let start = DeviceServices.checkStart(config: config, states: states, logger: logger)

        let store: Store
        do {
            store = try Store(
                directory: config.dataDirectory,
                busyTimeoutMilliseconds: config.store.busyTimeoutMilliseconds,
                logger: logger
            )
        } catch {
            logger.critical("cannot open the database", metadata: ["error": "\(error)"])
            throw ExitCodeError.storeUnavailable
        }
        states.set("store", StoreStatus.state(of: store.report))

        let engine = Engine(configuration: Self.engineConfiguration(config.engine), logger: logger)
        let library = TorrentLibrary(
            engine: engine, store: store,
            downloadDirectory: config.engine.downloadDirectory.hasPrefix("/")
                ? config.engine.downloadDirectory : config.dataDirectory + "/" + config.engine.downloadDirectory,
            stateDirectory: config.dataDirectory + "/torrents", logger: logger
        )
        states.set("engine", SubsystemState(.starting))
        let streams = StreamService(engine: engine, configuration: Self.streamConfiguration(config.stream), logger: logger)
        let diskCache = Self.diskCache(config, engine: engine, streams: streams, logger: logger)
        let vpn = await VPNService.prepare(config: config, engine: engine, logger: logger)
        let auth: WebAuth
        do {
            auth = try await WebAuth.open(store: store, config: config.auth, logger: logger, now: SystemFacts.monotonicSeconds())
        } catch {
            logger.critical("cannot read the users from the database", metadata: ["error": "\(error)"])
            throw ExitCodeError.storeUnavailable
        }

        let settings = SettingsService(
            configFile: configFile, dataDirectory: config.dataDirectory, environment: environment, engine: engine,
            theme: config.ui.theme, logger: logger
        )
        let media = MediaDisk(devices: BlockDevices(dataDirectory: config.dataDirectory), mountPoint: config.dataDirectory + "/media")
        await Self.mountMediaDisk(media, store: store, states: states, logger: logger)
        let wizard = SetupWizard(
            state: auth.setup, store: store, accounts: auth.accounts, vpn: vpn, media: media, settings: settings,
            dataDirectory: config.dataDirectory, logger: logger
        )
        let reboots = RebootRequest()
        let update = Self.updateService(config, reboots: reboots, logger: logger)
        update.start()
        let device = DeviceServices(
            config: config, start: start, store: store, engine: start.safeMode ? nil : engine,
            library: start.safeMode ? nil : library, vpn: start.safeMode ? nil : vpn, states: states, logger: logger
        )
        device.signals.provideUpdating { [UpdateProgress.Phase.receiving, .downloading, .readingBack, .staging].contains(update.currentProgress.phase) }
        device.signals.provideSetupNeeded { !auth.setup.isDone }

        // The ffmpeg sidecar: one session manager and one thumbnail cache (not in safe mode).
        let transcodeSettings = TranscodeSetup.settings(config)
        let transcodeSessions = TranscodeSessions(settings: transcodeSettings, logger: logger)
        let player = MediaService(
            settings: transcodeSettings, library: library, store: store, sessions: transcodeSessions,
            thumbnails: ThumbnailCache(settings: transcodeSettings), logger: logger
        )

        // Safe mode (crash loop): no engine, so no torrent, stream, play or VPN routes; logins, setup, settings and
        // updates stay.
        let context = WebContext(
            states: states, dataDirectory: config.dataDirectory, metrics: registry, startedAt: startedAt,
            library: start.safeMode ? nil : library, streams: start.safeMode ? nil : streams,
            diskCache: start.safeMode ? nil : diskCache, media: start.safeMode ? nil : player, vpn: start.safeMode ? nil : vpn, update: update, health: device.health,
            auth: auth, wizard: wizard, settings: settings, logs: logRing, system: SystemActions(dataDirectory: config.dataDirectory)
        )
        let web = WebServer.makeApplication(
            router: WebServer.makeRouter(settings: config.http, context: context, deviceHostname: config.device.hostname),
            settings: config.http,
            logger: logger,
            tunnelGuard: vpn.listenerGuard
        ) { host, port in
            states.set("http", SubsystemState(.running, detail: "http://\(host):\(port)"))
            device.webPort.set(port)
            player.sidecar.listening(host: host, port: port)
            logger.info("rill listening on http://\(host):\(port)")
        }
        var group = ServiceGroupConfiguration(
            services: device.first + [
                .init(service: StoreService(store: store, states: states)),
            ] + (start.safeMode ? [] : [
                // Before the engine: it stops after the engine (the tunnel stays for the `stopped` announces).
                .init(service: VPNService(manager: vpn, states: states)),
                .init(service: EngineService(engine: engine, library: library, states: states, logger: logger)),
                .init(service: StreamCacheService(cache: diskCache)),
            ]) + [
                // In safe mode too: an update is how a crash-looping version gets replaced.
                .init(service: UpdateLifecycleService(
                    update: update,
                    commit: Self.healthCommit(config, update: update, health: device.health, safeMode: start.safeMode, logger: logger),
                    logger: logger
                )),
                .init(service: web),
            ] + (start.safeMode ? [] : [.init(service: TranscodeService(sessions: transcodeSessions))]) + device.last,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        group.maximumGracefulShutdownDuration = Self.shutdownLimit
        group.maximumCancellationDuration = .seconds(1)
        let serviceGroup = ServiceGroup(configuration: group)
        reboots.attach(serviceGroup)
        try await serviceGroup.run()
        start.cleanStop()
        logger.info("rill stopped")
        if let plan = reboots.plan {
            logger.notice("rebooting: \(plan)")
            logger.critical("\(SystemReboot.perform(plan))")
            throw ExitCodeError.rebootFailed
        }
    }
}

extension Daemon {
    /// The OTA update service from `[update]`; updates are unavailable (with the reason) where it is incomplete.
    static func updateService(_ config: RillConfig, reboots: RebootRequest, logger: Logger) -> UpdateService {
        var (settings, problem) = UpdateSetup.settings(config)
        let bootloader: any BootloaderAdapter
        do {
            bootloader = try UpdateSetup.bootloader(config)
        } catch {
            bootloader = StateFileBootloader()
            problem = problem ?? "\(error)"
            settings.trustedKeys = []
        }
        return UpdateService(
            settings: settings, booted: UpdateSetup.bootedSlot(config), bootloader: bootloader,
            configurationProblem: problem, reboot: config.update.reboot == "syscall" ? { @Sendable plan in await reboots.request(plan) } : nil,
            logger: logger
        )
    }

    /// The health commit of a trial boot: the device health monitor's verdict, and never in safe mode (a version
    /// that keeps crashing is not committed however well its safe mode runs).
    static func healthCommit(
        _ config: RillConfig, update: UpdateService, health: HealthMonitor, safeMode: Bool, logger: Logger
    ) -> HealthCommit {
        HealthCommit(
            slots: update,
            policy: HealthCommit.Policy(
                commitAfter: .seconds(config.update.commitAfterSeconds), deadline: .seconds(config.update.commitDeadlineSeconds)
            ),
            health: {
                guard !safeMode else { return false }
                return await health.currentHealth().healthy
            },
            logger: logger
        )
    }
}

extension Daemon {
    /// The engine's limits from the configuration file; the rest keep their built-in defaults.
    static func engineConfiguration(_ settings: RillConfig.EngineSettings) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        configuration.listenPort = settings.listenPort
        configuration.maxConnections = settings.maxConnections
        configuration.maxPeersPerTorrent = settings.maxPeersPerTorrent
        configuration.uploadSlots = settings.uploadSlots
        configuration.diskThreads = settings.diskThreads
        configuration.maxPendingWriteBytes = settings.maxPendingWriteBytes
        configuration.downloadRateLimit = settings.downloadRateLimit
        configuration.uploadRateLimit = settings.uploadRateLimit
        configuration.seedRatioLimit = Double(settings.seedRatioLimitPercent) / 100
        configuration.seedTimeLimitSeconds = settings.seedTimeLimitMinutes * 60
        configuration.clientName = "Rill \(RillVersion.current)"
        return configuration
    }
}

extension Daemon {
    static func streamConfiguration(_ settings: RillConfig.StreamSettings) -> StreamConfiguration {
        var configuration = StreamConfiguration()
        configuration.ramCacheBytes = settings.ramCacheBytes
        configuration.ramCacheRetainBytes = settings.ramCacheRetainBytes
        return configuration
    }

    /// The disk cache of stream-only torrents, its limits resolved against the download folder's file system.
    static func diskCache(_ config: RillConfig, engine: Engine, streams: StreamService, logger: Logger) -> DiskCache {
        let downloads = config.engine.downloadDirectory.hasPrefix("/")
            ? config.engine.downloadDirectory : config.dataDirectory + "/" + config.engine.downloadDirectory
        let capacity = Int64(SystemFacts.disk(at: downloads)?.totalBytes ?? SystemFacts.disk(at: config.dataDirectory)?.totalBytes ?? 0)
        let maxBytes = config.stream.diskCacheMax.bytes(ofCapacity: capacity)
        let targetBytes = config.stream.diskCacheTarget.bytes(ofCapacity: capacity)
        logger.info("stream disk cache", metadata: ["max": "\(maxBytes)", "target": "\(targetBytes)"])
        return DiskCache(
            engine: engine, streams: streams, maxBytes: maxBytes, targetBytes: targetBytes,
            statePath: config.dataDirectory + "/torrents/stream-cache.recency", logger: logger
        )
    }
}

extension Daemon {
    /// Mounts the download disk the setup wizard chose (found by its filesystem UUID), before the engine writes
    /// anything; a missing disk is reported in `/api/v1/status` as `storage` degraded.
    static func mountMediaDisk(_ media: MediaDisk, store: Store, states: SubsystemStates, logger: Logger) async {
        guard let uuid = try? await store.read({ try MetaTable.value("setup.media_uuid", in: $0) }) else { return }
        do {
            let point = try await media.mount(uuid: uuid)
            states.set("storage", SubsystemState(.running, detail: "download disk \(uuid) at \(point)"))
        } catch {
            logger.error("the download disk is not mounted", metadata: ["uuid": "\(uuid)", "error": "\(error)"])
            states.set("storage", SubsystemState(.degraded, detail: "the download disk \(uuid) is not mounted: \(error)"))
        }
    }
}

/// Non-zero exits of `rill run` other than a refused configuration.
enum ExitCodeError: Error {
    case storeUnavailable
    /// A reboot was asked for but the kernel refused it.
    case rebootFailed
}

/// How the store's open report reads in `/api/v1/status`.
enum StoreStatus {
    static func state(of report: Store.OpenReport) -> SubsystemState {
        guard let moved = report.setAside else {
            return SubsystemState(.running, detail: "schema version \(report.schemaVersion)")
        }
        return SubsystemState(
            .degraded,
            detail: "the database was damaged (\(moved.reason)); it was set aside as \(moved.path) and a new one was created"
        )
    }
}
