"""What seed-libtorrent and leech-libtorrent share: a loopback-only libtorrent session and a stop flag.

Import with /usr/bin/python3: Debian's python3-libtorrent is built for the system Python only.
"""
import signal
import sys

import libtorrent as lt


def session(port, upload_limit=0, download_limit=0, host="127.0.0.1"):
    """A session listening on host:port (127.0.0.1 by default) over TCP only, with no DHT, LSD, UPnP, NAT-PMP or
    uTP.

    Several peers on one machine all come from 127.0.0.1, so more than one connection per IP is allowed.
    libtorrent puts loopback and LAN peers in its "local" peer class, which rate limits do not touch; when a
    limit is given, every address is moved to the global class so the limit holds on loopback too.
    """
    settings = {
        # An IPv6 address is written in brackets: "[fd15::1]:6881".
        "listen_interfaces": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "outgoing_interfaces": host,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "stop_tracker_timeout": 1,
        "upload_rate_limit": upload_limit,
        "download_rate_limit": download_limit,
        "alert_mask": lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.storage_notification,
    }
    ses = lt.session(settings)
    if upload_limit or download_limit:
        everyone = lt.ip_filter()
        everyone.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        everyone.add_rule("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(everyone)
    return ses


def check_listening(ses, port, seconds=5.0, host="127.0.0.1"):
    """Waits for libtorrent to report its listen socket; exits 1 when it could not listen."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.listen_failed_alert):
                sys.exit(f"libtorrent: cannot listen on {host}:{port}: {alert.message()}")
            if isinstance(alert, lt.listen_succeeded_alert) and alert.socket_type == lt.socket_type_t.tcp:
                return
    sys.exit(f"libtorrent: no listen socket on {host}:{port} after {seconds} s")


class StopFlag:
    """Set by SIGTERM or SIGINT, so the main loop can leave and the session close cleanly."""

    def __init__(self):
        self.stopped = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _stop(self, *_):
        self.stopped = True


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)
