import Logging

/// One configuration key: its dotted TOML path, the values it takes and the field it sets.
struct ConfigKey: Sendable {
    let path: String
    let kind: ConfigKind
    let assign: @Sendable (inout RillConfig, ConfigValue) -> Void

    /// The environment variable that overrides this key: `http.max_body_bytes` → `RILL_HTTP_MAX_BODY_BYTES`.
    var environmentName: String {
        "RILL_" + path.uppercased().replacing(".", with: "_")
    }
}

/// Every key Rill reads. Adding a setting means adding a line here, a field to `RillConfig` and a line to
/// `EmbeddedDefaults.toml`.
enum ConfigSchema {
    static let keys: [ConfigKey] = [
        text("data.directory") { $0.dataDirectory = $1 },
        ConfigKey(path: "log.level", kind: .choice(Logger.Level.configWords)) { config, value in
            if case .string(let word) = value, let level = Logger.Level(rawValue: word) { config.logLevel = level }
        },
        text("http.host") { $0.http.host = $1 },
        integer("http.port", 0...65535) { $0.http.port = $1 },
        bytes("http.max_header_bytes", 1024...(80 << 10)) { $0.http.maxHeaderBytes = $1 },
        bytes("http.max_body_bytes", 1024...(1 << 30)) { $0.http.maxBodyBytes = $1 },
        integer("http.request_timeout_seconds", 1...3600) { $0.http.requestTimeoutSeconds = $1 },
        integer("http.max_connections", 1...10_000) { $0.http.maxConnections = $1 },
        textList("http.allowed_hosts", 16) { $0.http.allowedHosts = $1 },
        integer("store.busy_timeout_ms", 0...600_000) { $0.store.busyTimeoutMilliseconds = $1 },
        integer("engine.listen_port", 0...65535) { $0.engine.listenPort = $1 },
        text("engine.download_directory") { $0.engine.downloadDirectory = $1 },
        integer("engine.max_connections", 1...5_000) { $0.engine.maxConnections = $1 },
        integer("engine.max_peers_per_torrent", 1...1_000) { $0.engine.maxPeersPerTorrent = $1 },
        integer("engine.upload_slots", 1...100) { $0.engine.uploadSlots = $1 },
        integer("engine.disk_threads", 1...16) { $0.engine.diskThreads = $1 },
        bytes("engine.max_pending_write_bytes", (1 << 20)...(1 << 30)) { $0.engine.maxPendingWriteBytes = $1 },
        bytes("engine.download_rate_limit", 0...(1 << 34)) { $0.engine.downloadRateLimit = $1 },
        bytes("engine.upload_rate_limit", 0...(1 << 34)) { $0.engine.uploadRateLimit = $1 },
        integer("engine.seed_ratio_limit_percent", 0...100_000) { $0.engine.seedRatioLimitPercent = $1 },
        integer("engine.seed_time_limit_minutes", 0...525_600) { $0.engine.seedTimeLimitMinutes = $1 },
        bytes("stream.ram_cache_bytes", (4 << 20)...(1 << 30)) { $0.stream.ramCacheBytes = $1 },
        bytes("stream.ram_cache_retain_bytes", 0...(1 << 30)) { $0.stream.ramCacheRetainBytes = $1 },
        storageLimit("stream.disk_cache_max") { $0.stream.diskCacheMax = $1 },
        storageLimit("stream.disk_cache_target") { $0.stream.diskCacheTarget = $1 },
        text("vpn.interface") { $0.vpn.interface = $1 },
        ConfigKey(path: "vpn.mode", kind: .choice(["auto", "required"])) { config, value in
            if case .string(let word) = value { config.vpn.mode = word }
        },
        integer("vpn.routing_table", 1...2_147_483_647) { $0.vpn.routingTable = $1 },
        integer("vpn.rule_priority", 1...32_765) { $0.vpn.rulePriority = $1 },
        text("transcode.ffmpeg_path") { $0.transcode.ffmpegPath = $1 },
        text("transcode.ffprobe_path") { $0.transcode.ffprobePath = $1 },
        text("transcode.directory") { $0.transcode.directory = $1 },
        integer("transcode.max_sessions", 1...16) { $0.transcode.maxSessions = $1 },
        bytes("transcode.scratch_limit", (16 << 20)...(1 << 40)) { $0.transcode.scratchLimitBytes = $1 },
        integer("transcode.idle_timeout_seconds", 5...3600) { $0.transcode.idleTimeoutSeconds = $1 },
        integer("transcode.segment_seconds", 1...30) { $0.transcode.segmentSeconds = $1 },
        integer("transcode.nice", 0...19) { $0.transcode.nice = $1 },
        choice("transcode.hardware_encoder", ["auto", "off"]) { $0.transcode.hardwareEncoder = $1 },
        integer("transcode.max_video_height", 144...4320) { $0.transcode.maxVideoHeight = $1 },
        integer("transcode.video_bitrate_kbps", 100...100_000) { $0.transcode.videoBitrateKbps = $1 },
        integer("transcode.audio_bitrate_kbps", 32...640) { $0.transcode.audioBitrateKbps = $1 },
        choice("transcode.playback_mode", ["auto", "direct_play", "remux", "audio_transcode", "full_transcode"]) {
            $0.transcode.playbackMode = $1
        },
        bytes("transcode.thumbnail_cache", (1 << 20)...(1 << 34)) { $0.transcode.thumbnailCacheBytes = $1 },
        integer("transcode.thumbnail_cache_count", 1...1_000_000) { $0.transcode.thumbnailCacheCount = $1 },
        text("update.board") { $0.update.board = $1 },
        choice("update.booted_slot", ["auto", "a", "b"]) { $0.update.bootedSlot = $1 },
        textList("update.public_keys", 8) { $0.update.publicKeys = $1 },
        text("update.public_key_file") { $0.update.publicKeyFile = $1 },
        text("update.state_directory") { $0.update.stateDirectory = $1 },
        textList("update.slot_images", 8) { $0.update.slotImages = $1 },
        bytes("update.max_bundle_bytes", (1 << 20)...(9 << 30)) { $0.update.maxBundleBytes = $1 },
        integer("update.tries", 1...5) { $0.update.tries = $1 },
        choice("update.bootloader", ["state-file", "tryboot", "uboot"]) { $0.update.bootloader = $1 },
        text("update.autoboot_path") { $0.update.autobootPath = $1 },
        bytes("update.autoboot_offset", 0...(1 << 40)) { $0.update.autobootOffset = $1 },
        integer("update.tryboot_partition_a", 1...63) { $0.update.trybootPartitionA = $1 },
        integer("update.tryboot_partition_b", 1...63) { $0.update.trybootPartitionB = $1 },
        text("update.uboot_env_config") { $0.update.ubootEnvConfig = $1 },
        choice("update.reboot", ["none", "syscall"]) { $0.update.reboot = $1 },
        integer("update.commit_after_seconds", 1...86_400) { $0.update.commitAfterSeconds = $1 },
        integer("update.commit_deadline_seconds", 10...604_800) { $0.update.commitDeadlineSeconds = $1 },
        integer("update.download_attempts", 1...100) { $0.update.downloadAttempts = $1 },
        integer("update.download_stall_seconds", 1...3600) { $0.update.downloadStallSeconds = $1 },
        ConfigKey(path: "device.hostname", kind: .hostLabel(maxLength: 50)) { config, value in
            if case .string(let name) = value { config.device.hostname = name }
        },
        choice("device.mdns", ["auto", "on", "off"]) { $0.device.mdns = $1 },
        optionalText("device.watchdog") { $0.device.watchdog = $1 },
        integer("device.watchdog_timeout_seconds", 2...15) { $0.device.watchdogTimeoutSeconds = $1 },
        integer("device.crash_loop_starts", 2...100) { $0.device.crashLoopStarts = $1 },
        integer("device.crash_loop_minutes", 1...1440) { $0.device.crashLoopMinutes = $1 },
        choice("device.leds", ["auto", "sysfs", "gpio", "log", "off"]) { $0.device.leds = $1 },
        text("device.led_sysfs_directory") { $0.device.ledSysfsDirectory = $1 },
        boolean("device.led_act_inverted") { $0.device.ledActInverted = $1 },
        optionalText("device.led_gpio_chip") { $0.device.ledGPIOChip = $1 },
        integer("device.led_gpio_green_line", -1...1023) { $0.device.ledGPIOGreenLine = $1 },
        integer("device.led_gpio_red_line", -1...1023) { $0.device.ledGPIORedLine = $1 },
        boolean("device.led_gpio_active_low") { $0.device.ledGPIOActiveLow = $1 },
        integer("auth.session_days", 1...365) { $0.auth.sessionDays = $1 },
        integer("auth.max_sessions", 1...10_000) { $0.auth.maxSessions = $1 },
        integer("auth.login_attempts_per_minute", 1...1_000) { $0.auth.loginAttemptsPerMinute = $1 },
        integer("auth.global_login_attempts_per_minute", 1...10_000) { $0.auth.globalLoginAttemptsPerMinute = $1 },
        integer("auth.max_concurrent_hashes", 1...8) { $0.auth.maxConcurrentHashes = $1 },
        integer("auth.stream_link_hours", 1...8_760) { $0.auth.streamLinkHours = $1 },
        choice("ui.theme", ["plain", "lcars"]) { $0.ui.theme = $1 },
    ]

    static let byPath: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The section names (`http`, `store`, ...) that may appear as TOML tables.
    static let sections: Set<String> = Set(keys.compactMap { $0.path.split(separator: ".").first.map(String.init) })

    /// The known key closest to a misspelt one, if it is close enough to be a likely typo.
    static func suggestion(for path: String) -> String? {
        let scored = keys.map { ($0.path, EditDistance.between($0.path, path)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, path.count / 4) else { return nil }
        return best.0
    }

    private static func text(_ path: String, _ set: @escaping @Sendable (inout RillConfig, String) -> Void) -> ConfigKey {
        ConfigKey(path: path, kind: .text) { config, value in
            if case .string(let text) = value { set(&config, text) }
        }
    }

    private static func optionalText(_ path: String, _ set: @escaping @Sendable (inout RillConfig, String) -> Void) -> ConfigKey {
        ConfigKey(path: path, kind: .optionalText) { config, value in
            if case .string(let text) = value { set(&config, text) }
        }
    }

    private static func boolean(_ path: String, _ set: @escaping @Sendable (inout RillConfig, Bool) -> Void) -> ConfigKey {
        ConfigKey(path: path, kind: .boolean) { config, value in
            if case .boolean(let flag) = value { set(&config, flag) }
        }
    }

    private static func choice(
        _ path: String, _ words: [String], _ set: @escaping @Sendable (inout RillConfig, String) -> Void
    ) -> ConfigKey {
        ConfigKey(path: path, kind: .choice(words)) { config, value in
            if case .string(let word) = value { set(&config, word) }
        }
    }

    private static func integer(
        _ path: String, _ range: ClosedRange<Int>, _ set: @escaping @Sendable (inout RillConfig, Int) -> Void
    ) -> ConfigKey {
        ConfigKey(path: path, kind: .integer(range)) { config, value in
            if case .integer(let number) = value { set(&config, number) }
        }
    }

    private static func textList(
        _ path: String, _ maxCount: Int, _ set: @escaping @Sendable (inout RillConfig, [String]) -> Void
    ) -> ConfigKey {
        ConfigKey(path: path, kind: .textList(maxCount: maxCount)) { config, value in
            guard case .array(let elements) = value else { return }
            set(&config, elements.compactMap { if case .string(let text) = $0 { text } else { nil } })
        }
    }

    private static func storageLimit(_ path: String, _ set: @escaping @Sendable (inout RillConfig, StorageLimit) -> Void) -> ConfigKey {
        ConfigKey(path: path, kind: .storageLimit) { config, value in
            switch value {
            case .integer(let number): set(&config, .bytes(number))
            case .string(let text): if let limit = StorageLimit(parsing: text) { set(&config, limit) }
            default: break
            }
        }
    }

    private static func bytes(
        _ path: String, _ range: ClosedRange<Int>, _ set: @escaping @Sendable (inout RillConfig, Int) -> Void
    ) -> ConfigKey {
        ConfigKey(path: path, kind: .bytes(range)) { config, value in
            if case .integer(let number) = value { set(&config, number) }
        }
    }
}
