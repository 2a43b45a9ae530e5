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

        """
}
