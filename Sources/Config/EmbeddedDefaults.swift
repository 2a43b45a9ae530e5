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
        # Names the web UI answers to besides localhost, IP addresses and <device.hostname>(-XXXX).local; other Host
        # headers get 421 (DNS rebinding). "*" turns the check off.
        allowed_hosts = []

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
        # Of that, the most kept of chunks no player is reading now (the kernel's page cache holds the file anyway).
        ram_cache_retain_bytes = "4MiB"
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

        [update]
        # OTA updates (docs/OTA.md). The image sets board, keys, slot partitions and boot path; on a development
        # machine updates stay unavailable until they are set.
        # This device's board: a bundle must list it among its compatible boards.
        board = "dev"
        # The running slot: "auto" takes it from rill.slot= on the kernel command line, else the initramfs's
        # /run/rill/boot.env, else the boot partition the firmware loaded; "a" or "b" says it here.
        booted_slot = "auto"
        # Trusted Ed25519 public keys (64 hex digits each; two while keys rotate), plus the key file if it exists.
        public_keys = []
        public_key_file = "/etc/rill/bundle-signing.pub"
        # The A/B slot state; a relative path is inside data.directory.
        state_directory = "ota"
        # Where each image of a bundle goes: NAME=PATH with {slot} standing for a or b, or NAME@a=PATH and
        # NAME@b=PATH, e.g. ["boot.vfat@a=/dev/mmcblk0p2", "boot.vfat@b=/dev/mmcblk0p3", ...].
        slot_images = []
        # Largest bundle, uploaded or downloaded (http.max_body_bytes does not apply to it).
        max_bundle_bytes = "2GiB"
        # Boots a new slot is tried before the device falls back (the Pi firmware's tryboot gives exactly one).
        tries = 3
        # How the boot path picks the slot: "state-file" (the initramfs runs `rill slot boot`), "tryboot" (Pi 4/5
        # firmware: autoboot.txt) or "uboot" (bootcount in the U-Boot environment).
        bootloader = "state-file"
        # tryboot: autoboot.txt on a mounted FAT, or the raw boot-select partition with the offset of its 512 bytes
        # (the FAT is then never mounted).
        autoboot_path = "/boot/firmware/autoboot.txt"
        autoboot_offset = 0
        # The boot partitions of slot a and b, as autoboot.txt's boot_partition numbers them.
        tryboot_partition_a = 2
        tryboot_partition_b = 3
        # The U-Boot environment's location, in the format fw_printenv reads.
        uboot_env_config = "/etc/fw_env.config"
        # "none": POST /api/v1/update/reboot refuses; "syscall": stop the services, then reboot(2).
        reboot = "none"
        # A new slot is committed once its health checks passed this long without a break, and marked bad (then
        # rebooted into the last good slot) if that has not happened within the deadline.
        commit_after_seconds = 120
        commit_deadline_seconds = 900
        # URL downloads: connections tried (each resumes where the last stopped), and seconds without a byte
        # before a connection is given up.
        download_attempts = 5
        download_stall_seconds = 30
        [device]
        # The name announced over mDNS: <hostname>.local and <hostname>-XXXX.local (XXXX from the device id).
        hostname = "rill"
        # The mDNS responder: "auto" answers when the web UI listens beyond loopback (http.host is not 127.0.0.1),
        # "on" or "off".
        mdns = "auto"
        # The hardware watchdog rill owns and feeds while its health checks pass, e.g. "/dev/watchdog"; "" for none.
        watchdog = ""
        # Seconds without a feed before the watchdog resets the board (the Pi's watchdog allows at most 15).
        watchdog_timeout_seconds = 15
        # The crash_loop_starts-th start within crash_loop_minutes without a clean stop (init restarting a rill that
        # keeps dying) starts rill in safe mode: web UI and status only, no engine. A clean stop, or a run of
        # crash_loop_minutes, ends it.
        crash_loop_starts = 5
        crash_loop_minutes = 10
        # Status LEDs: "auto" (the board's ACT/PWR LEDs, else GPIO LEDs when led_gpio_chip is set, else the log),
        # "sysfs", "gpio", "log" or "off".
        leds = "auto"
        led_sysfs_directory = "/sys/class/leds"
        # The ACT LED lights when its brightness is 0 (the Pi Zero's).
        led_act_inverted = false
        # GPIO LEDs through libgpiod: the chip ("gpiochip0") and the line offsets of a green and a red LED (-1: none).
        led_gpio_chip = ""
        led_gpio_green_line = -1
        led_gpio_red_line = -1
        led_gpio_active_low = false
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
        # Hours a signed stream link ("Copy link for VLC/TV") works; a password change makes all links invalid.
        stream_link_hours = 24

        [ui]
        # "plain" (light or dark, as the phone or computer prefers) or "lcars".
        theme = "plain"

        """
}
