import Device
import Netguard
import Prometheus
import Stream
import Torrent

/// What the routes need from the rest of the daemon. Grows as subsystems arrive (engine, VPN, ...).
public struct WebContext: Sendable {
    /// Subsystem states for `/api/v1/status` and `/healthz`.
    public let states: SubsystemStates
    /// The data directory, whose filesystem's free space is reported.
    public let dataDirectory: String
    /// The registry `/metrics` prints.
    public let metrics: PrometheusCollectorRegistry
    /// `SystemFacts.monotonicSeconds()` when the daemon started.
    public let startedAt: Double

    /// The torrents; `nil` in tests that run the web layer without an engine (the torrent routes are then absent).
    public let library: TorrentLibrary?
    /// Streaming of files while they download; `nil` without an engine (the `/stream` routes are then absent).
    public let streams: StreamService?
    /// The disk cache of stream-only torrents, for `/api/v1/stream`.
    public let diskCache: DiskCache?
    /// Probing, playback decisions, transcode sessions, subtitles and thumbnails; `nil` without an engine or in
    /// tests of the web layer without ffmpeg (the play and transcode routes are then absent).
    public let media: MediaService?

    /// The VPN; `nil` where the daemon runs without one (the VPN routes are then absent).
    public let vpn: VPNManager?
    /// The health monitor's verdict for `/healthz` and `/api/v1/status`; `nil` in tests without one.
    public let health: (any HealthReporting)?

    /// OTA updates; `nil` in tests that run the web layer without them (the update routes are then absent).
    public let update: UpdateService?

    /// Users, sessions, tokens and the setup flag; `nil` in tests of the web layer without auth (no login then,
    /// as before auth existed). The daemon always has it.
    public let auth: WebAuth?
    /// The first-run wizard (`/setup`, `/api/v1/setup`); `nil` without auth.
    public let wizard: SetupWizard?
    /// The settings the UI changes (`<data>/settings.toml`); `nil` in tests without it.
    public let settings: SettingsService?
    /// The newest lines of the daemon's log (the system page); `nil` in tests without it.
    public let logs: LogRing?
    /// Reboot and factory reset (refused off the appliance).
    public let system: SystemActions

    public init(
        states: SubsystemStates, dataDirectory: String, metrics: PrometheusCollectorRegistry, startedAt: Double,
        library: TorrentLibrary? = nil, streams: StreamService? = nil, diskCache: DiskCache? = nil,
        media: MediaService? = nil, vpn: VPNManager? = nil, update: UpdateService? = nil, health: (any HealthReporting)? = nil,
        auth: WebAuth? = nil, wizard: SetupWizard? = nil, settings: SettingsService? = nil,
        logs: LogRing? = nil, system: SystemActions = SystemActions()
    ) {
        self.states = states
        self.dataDirectory = dataDirectory
        self.metrics = metrics
        self.startedAt = startedAt
        self.library = library
        self.streams = streams
        self.diskCache = diskCache
        self.media = media
        self.vpn = vpn
        self.update = update
        self.health = health
        self.auth = auth
        self.wizard = wizard
        self.settings = settings
        self.logs = logs
        self.system = system
    }
}
