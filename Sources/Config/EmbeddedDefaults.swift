/// The defaults compiled into `rill`, written as the TOML file a user would write.
///
/// `rill config defaults` prints this text, so it doubles as the documented example configuration.
/// Every key of `ConfigSchema` must appear here; a test checks it.
public enum EmbeddedDefaults {
    public static let toml = """
        # Rill configuration. Every key is optional; these are the built-in defaults.
        # Environment variables override the file: RILL_<SECTION>_<KEY>, e.g. RILL_HTTP_PORT=9090.

        [data]
        # Database and state. On the device this is /data.
        directory = "./.rill"

        [log]
        # trace, debug, info, notice, warning, error or critical.
        level = "info"

        [http]
        host = "127.0.0.1"
        # 0 picks a free port and logs it.
        port = 8080
        # Request line plus header fields; larger requests get 431.
        max_header_bytes = "16KiB"
        # Request bodies on routes without a larger limit of their own; larger bodies get 413.
        max_body_bytes = "1MiB"
        # Time a client has to send a whole request; slower clients get 408.
        request_timeout_seconds = 30
        max_connections = 128

        [store]
        busy_timeout_ms = 5000

        [engine]
        # TCP port peers connect to; 0 picks a free one.
        listen_port = 6881
        # Where downloads go; a relative path is inside data.directory.
        download_directory = "downloads"
        # Peer connections in all, and per torrent.
        max_connections = 200
        max_peers_per_torrent = 50
        # Peers uploaded to at once per torrent (plus one rotating slot).
        upload_slots = 4
        # Threads that write, read and SHA-1 pieces (never the network thread).
        disk_threads = 2
        # Received data waiting for the disk before reading from peers pauses (bounds memory on slow cards).
        max_pending_write_bytes = "8MiB"
        # Rate limits for all torrents together, bytes per second ("2MiB" works); 0 means none.
        download_rate_limit = 0
        upload_rate_limit = 0
        # Seeding pauses at this upload ratio in percent (200 = 2.0) or after this many minutes; 0 means never.
        seed_ratio_limit_percent = 0
        seed_time_limit_minutes = 0

        [stream]
        # RAM for verified pieces being streamed; never exceeded (readers wait instead).
        ram_cache_bytes = "32MiB"
        # Torrents added for streaming only live in a disk cache: above the max (bytes, or a share of the disk
        # such as "80%"), the least recently read pieces outside every player's window are evicted down to the target.
        disk_cache_max = "50%"
        disk_cache_target = "40%"

        [vpn]
        # The WireGuard interface Rill makes from the file pasted in the web UI (kernel WireGuard, else
        # wireguard-go); every engine socket is bound to it.
        interface = "wg0"
        # "auto": once a WireGuard file is stored, the engine uses the tunnel or nothing (kill switch).
        # "required": the engine stays offline until a WireGuard file is stored.
        mode = "auto"
        # The routing table and rule priority for the tunnel's own routes (the LAN's default route stays).
        routing_table = 51820
        rule_priority = 5210
        [transcode]
        # ffmpeg runs as a child process only when a player cannot play a file as it is.
        ffmpeg_path = "/usr/bin/ffmpeg"
        ffprobe_path = "/usr/bin/ffprobe"
        # Segments being played and the thumbnail cache; a relative path is inside data.directory.
        directory = "transcode"
        # Sessions at once (one is what a Pi can encode); more are answered "busy".
        max_sessions = 1
        # Segments one session may keep on disk; past it, played segments go, then ffmpeg waits for the player.
        scratch_limit = "256MiB"
        # A session nobody asked anything of for this long ends: ffmpeg is killed and its files deleted.
        idle_timeout_seconds = 60
        segment_seconds = 4
        # ffmpeg's nice value, so the engine and the web pages stay responsive.
        nice = 10
        # auto: the Pi's h264_v4l2m2m when it works, else libx264; off: always libx264.
        hardware_encoder = "auto"
        max_video_height = 1080
        video_bitrate_kbps = 4000
        audio_bitrate_kbps = 160
        # auto lets each player's abilities decide; direct_play, remux, audio_transcode or full_transcode force one.
        playback_mode = "auto"
        # Library thumbnails kept, least recently used dropped first.
        thumbnail_cache = "64MiB"
        thumbnail_cache_count = 2000

        [auth]
        # A login lasts this many days (renewed when used in its second half).
        session_days = 30
        # Sessions kept at once; the oldest is logged out beyond it.
        max_sessions = 256
        # Login attempts per client address per minute, and from everyone together.
        login_attempts_per_minute = 10
        global_login_attempts_per_minute = 60
        # Password checks (scrypt, 16 MiB each) at once; more wait (at most 8), then get "busy".
        max_concurrent_hashes = 1

        [ui]
        # "plain" (light or dark, as the phone or computer prefers) or "lcars".
        theme = "plain"

        """
}
