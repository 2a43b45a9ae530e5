import Logging

/// The daemon's whole configuration: embedded defaults, overlaid by a TOML file, overlaid by `RILL_*` variables.
///
/// Every value here is already validated; code that receives a `RillConfig` never checks ranges again.
/// The schema that maps TOML keys onto these fields is `ConfigSchema`.
public struct RillConfig: Sendable, Equatable {
    /// Where the daemon keeps its database and state (`./.rill` in development, `/data` on the device).
    public var dataDirectory: String
    /// The lowest level that is logged.
    public var logLevel: Logger.Level
    /// The HTTP server's address and limits.
    public var http: HTTPSettings
    /// The SQLite store's settings.
    public var store: StoreSettings
    /// The BitTorrent engine's port, folders and limits.
    public var engine: EngineSettings
    /// Streaming's caches.
    public var stream: StreamSettings
    /// The ffmpeg sidecar: tools, scratch space and limits (the daemon maps this onto `TranscodeSettings`).
    public var transcode: TranscodeSection

    /// The RAM piece cache and the disk cache of stream-only torrents.
    public struct StreamSettings: Sendable, Equatable {
        /// The RAM piece cache's budget; readers wait rather than exceed it.
        public var ramCacheBytes: Int
        /// Of that budget, the most kept of chunks no reader holds now.
        public var ramCacheRetainBytes: Int = 4 << 20
        /// Stream-only torrents may hold at most this much of the disk…
        public var diskCacheMax: StorageLimit
        /// …and eviction brings them down to this.
        public var diskCacheTarget: StorageLimit
    }

    /// The WireGuard tunnel the engine is confined to.
    public var vpn: VPNSettings
    /// The device services: health, watchdog, crash loop detection, status LEDs, mDNS (`[device]`).
    public var device: DeviceSettings

    /// Settings of the services that make `rill` an appliance (docs/DEVICE.md).
    public struct DeviceSettings: Sendable, Equatable {
        /// The name announced over mDNS: `<hostname>.local` and `<hostname>-XXXX.local`.
        public var hostname: String
        /// `auto` (answer when the web UI listens beyond loopback), `on` or `off`.
        public var mdns: String
        /// The watchdog device the daemon owns and feeds while healthy; empty for none.
        public var watchdog: String
        /// Seconds without a feed before the watchdog resets the board.
        public var watchdogTimeoutSeconds: Int
        /// This many starts within `crashLoopMinutes` without a clean stop (or a run that long) start safe mode.
        public var crashLoopStarts: Int
        public var crashLoopMinutes: Int
        /// `auto`, `sysfs`, `gpio`, `log` or `off`.
        public var leds: String
        /// Where the board's LEDs are (`/sys/class/leds`; tests point it elsewhere).
        public var ledSysfsDirectory: String
        /// The ACT LED lights when its brightness is 0 (Pi Zero).
        public var ledActInverted: Bool
        /// The GPIO chip of GPIO LEDs (`gpiochip0`, or a path); empty for none.
        public var ledGPIOChip: String
        /// GPIO line offsets of the green and the red LED; -1 for none.
        public var ledGPIOGreenLine: Int
        public var ledGPIORedLine: Int
        /// The GPIO LEDs light when their line is low.
        public var ledGPIOActiveLow: Bool
    }

    /// OTA updates: the board, trusted keys, slot partitions, boot path and limits (see docs/OTA.md).
    public var update: UpdateSection

    /// Settings of OTA updates (`[update]`). The image sets the board, keys, slot partitions and boot path.
    public struct UpdateSection: Sendable, Equatable {
        /// This device's board; bundles must list it (`pi4`, `pi3`, `qemu-x86_64`).
        public var board: String
        /// `auto`: the boot facts (`rill.slot=`, the initramfs's boot.env, the firmware's boot partition); `a` or
        /// `b` to say it here (tests).
        public var bootedSlot: String
        /// Trusted Ed25519 public keys, 64 hex digits each.
        public var publicKeys: [String]
        /// A public key file (raw or hex) trusted as well, when it exists.
        public var publicKeyFile: String
        /// The slot state's folder; a relative path is inside `dataDirectory`.
        public var stateDirectory: String
        /// Where each image a bundle carries goes: `NAME=PATH` with `{slot}` standing for `a` or `b`, or `NAME@a=PATH`
        /// and `NAME@b=PATH`. Empty: no updates.
        public var slotImages: [String]
        public var maxBundleBytes: Int
        /// Boots a staged slot is tried before the device falls back (tryboot: always 1).
        public var tries: Int
        /// `state-file`, `tryboot` or `uboot`.
        public var bootloader: String
        /// autoboot.txt on a mounted FAT, or the raw boot-select partition…
        public var autobootPath: String
        /// …with the offset of autoboot.txt's bytes in it.
        public var autobootOffset: Int
        public var trybootPartitionA: Int
        public var trybootPartitionB: Int
        /// The `fw_env.config` naming the U-Boot environment's two copies.
        public var ubootEnvConfig: String
        /// `none` (the reboot route refuses) or `syscall` (stop the services, then `reboot(2)`).
        public var reboot: String
        /// A trial is committed after its health checks passed this long without a break…
        public var commitAfterSeconds: Int
        /// …and marked bad (then rebooted) if that has not happened this long after start-up.
        public var commitDeadlineSeconds: Int
        public var downloadAttempts: Int
        public var downloadStallSeconds: Int
    }

    /// Logins: session life and the limits that keep password checks from being abused (`[auth]`).
    public var auth: AuthSection
    /// The web UI's look (`[ui]`).
    public var ui: UISection

    /// `[auth]`: the web UI's sessions and login limits.
    public struct AuthSection: Sendable, Equatable {
        /// Days a login lasts (renewed when used in its second half).
        public var sessionDays: Int
        /// Sessions kept at once; the oldest is dropped beyond it.
        public var maxSessions: Int
        /// Login attempts per client address per minute (also the burst).
        public var loginAttemptsPerMinute: Int
        /// Login attempts per minute from all addresses together.
        public var globalLoginAttemptsPerMinute: Int
        /// Password hashes (scrypt, 16 MiB each) computed at once.
        public var maxConcurrentHashes: Int
        /// Hours a signed stream link (for VLC, Kodi, a TV) stays valid.
        public var streamLinkHours: Int = 24
    }

    /// `[ui]`: the web UI's look.
    public struct UISection: Sendable, Equatable {
        /// `plain` (light or dark, as the device prefers) or `lcars`.
        public var theme: String
    }

    /// HTTP listener settings and the limits that keep one client from growing the daemon's memory.
    public struct HTTPSettings: Sendable, Equatable {
        /// The address to listen on; `0.0.0.0` for every interface.
        public var host: String
        /// The TCP port; 0 asks the kernel for a free one (tests use this and read the log line).
        public var port: Int
        /// The most bytes a request line plus all its header fields may take; more is answered with 431.
        public var maxHeaderBytes: Int
        /// The most bytes a request body may have on routes without a larger limit of their own; more gets 413.
        public var maxBodyBytes: Int
        /// Seconds a client has to send a complete request (head and body); slower clients get 408.
        public var requestTimeoutSeconds: Int
        /// The most connections served at once; further clients wait in the kernel's backlog.
        public var maxConnections: Int
        /// Host names the web server answers to besides its own (`localhost`, IP literals, the device's mDNS names):
        /// exact names (`rill.fritz.box`), or `*` to switch the Host check off (behind a reverse proxy).
        public var allowedHosts: [String] = []
    }

    /// Settings of the SQLite store.
    public struct StoreSettings: Sendable, Equatable {
        /// How long a statement waits for a lock held by another connection before it fails.
        public var busyTimeoutMilliseconds: Int
    }

    /// The BitTorrent engine's settings (the rest of its limits have fixed defaults in `EngineConfiguration`).
    public struct EngineSettings: Sendable, Equatable {
        /// TCP port for incoming peers; 0 picks a free one.
        public var listenPort: Int
        /// Where payloads go; a relative path is inside `dataDirectory`.
        public var downloadDirectory: String
        /// Peer connections across all torrents.
        public var maxConnections: Int
        public var maxPeersPerTorrent: Int
        /// Peers uploaded to at once per torrent (plus one optimistic slot).
        public var uploadSlots: Int
        /// Threads that write, read and hash pieces.
        public var diskThreads: Int
        /// Received bytes waiting for the disk before the engine stops reading from peers.
        public var maxPendingWriteBytes: Int
        /// Engine-wide rate limits in bytes per second; 0 means none.
        public var downloadRateLimit: Int
        public var uploadRateLimit: Int
        /// Seeding pauses at this upload ratio, in percent (200 = 2.0); 0 means never.
        public var seedRatioLimitPercent: Int
        /// Seeding pauses after this many minutes; 0 means never.
        public var seedTimeLimitMinutes: Int
    }

    /// Where the VPN interface is made and how strict the kill switch is.
    public struct VPNSettings: Sendable, Equatable {
        /// The WireGuard interface's name; every engine socket is bound to it.
        public var interface: String
        /// `auto`: the engine is confined to the VPN once a WireGuard file is stored; `required`: the engine
        /// stays offline until one is.
        public var mode: String
        /// The policy-routing table for the tunnel's routes.
        public var routingTable: Int
        /// The priority of the rules that send the tunnel address's traffic to that table.
        public var rulePriority: Int

        /// Whether the engine must stay offline without a VPN.
        public var isRequired: Bool { mode == "required" }
    }

    /// Settings of the ffmpeg sidecar (`[transcode]`).
    public struct TranscodeSection: Sendable, Equatable {
        public var ffmpegPath: String
        public var ffprobePath: String
        /// Scratch segments and the thumbnail cache; a relative path is inside `dataDirectory`.
        public var directory: String
        /// Transcode sessions at once; more are answered "busy".
        public var maxSessions: Int
        /// Bytes of segments one session may keep on disk.
        public var scratchLimitBytes: Int
        /// A session nobody asked anything of for this long ends (ffmpeg killed, files deleted).
        public var idleTimeoutSeconds: Int
        public var segmentSeconds: Int
        /// The `nice` value ffmpeg runs at (0 leaves it alone).
        public var nice: Int
        /// `auto` tries `h264_v4l2m2m` and falls back to libx264; `off` always uses libx264.
        public var hardwareEncoder: String
        public var maxVideoHeight: Int
        public var videoBitrateKbps: Int
        public var audioBitrateKbps: Int
        /// `auto` lets each client's abilities decide; otherwise `direct_play`, `remux`, `audio_transcode` or
        /// `full_transcode` for everything.
        public var playbackMode: String
        public var thumbnailCacheBytes: Int
        public var thumbnailCacheCount: Int
    }

    /// The configuration with only the embedded defaults applied.
    public static var defaults: RillConfig {
        get throws(ConfigError) { try ConfigLoader.load(file: nil, environment: [:]) }
    }
}

extension RillConfig {
    /// A value that every field is overwritten in by `EmbeddedDefaults`; never used as it stands.
    static let unset = RillConfig(
        dataDirectory: "",
        logLevel: .info,
        http: HTTPSettings(
            host: "", port: 0, maxHeaderBytes: 0, maxBodyBytes: 0, requestTimeoutSeconds: 0, maxConnections: 0
        ),
        store: StoreSettings(busyTimeoutMilliseconds: 0),
        engine: EngineSettings(
            listenPort: 0, downloadDirectory: "", maxConnections: 0, maxPeersPerTorrent: 0, uploadSlots: 0,
            diskThreads: 0, maxPendingWriteBytes: 0, downloadRateLimit: 0, uploadRateLimit: 0,
            seedRatioLimitPercent: 0, seedTimeLimitMinutes: 0
        ),
        stream: StreamSettings(ramCacheBytes: 0, diskCacheMax: .bytes(0), diskCacheTarget: .bytes(0)),
        transcode: TranscodeSection(
            ffmpegPath: "", ffprobePath: "", directory: "", maxSessions: 0, scratchLimitBytes: 0,
            idleTimeoutSeconds: 0, segmentSeconds: 0, nice: 0, hardwareEncoder: "", maxVideoHeight: 0,
            videoBitrateKbps: 0, audioBitrateKbps: 0, playbackMode: "", thumbnailCacheBytes: 0, thumbnailCacheCount: 0
        ),
        vpn: VPNSettings(interface: "", mode: "", routingTable: 0, rulePriority: 0),
        device: DeviceSettings(
            hostname: "", mdns: "", watchdog: "", watchdogTimeoutSeconds: 0, crashLoopStarts: 0, crashLoopMinutes: 0,
            leds: "", ledSysfsDirectory: "", ledActInverted: false, ledGPIOChip: "", ledGPIOGreenLine: 0,
            ledGPIORedLine: 0, ledGPIOActiveLow: false
        ),
        update: UpdateSection(
            board: "", bootedSlot: "", publicKeys: [], publicKeyFile: "", stateDirectory: "", slotImages: [],
            maxBundleBytes: 0, tries: 0, bootloader: "", autobootPath: "", autobootOffset: 0, trybootPartitionA: 0, trybootPartitionB: 0,
            ubootEnvConfig: "", reboot: "", commitAfterSeconds: 0, commitDeadlineSeconds: 0, downloadAttempts: 0,
            downloadStallSeconds: 0
        ),
        auth: AuthSection(sessionDays: 0, maxSessions: 0, loginAttemptsPerMinute: 0, globalLoginAttemptsPerMinute: 0, maxConcurrentHashes: 0),
        ui: UISection(theme: "")
    )
}
