# What seed-transmission and leech-transmission share: a private transmission-daemon and its RPC.
# Source it after common.sh; it defines functions only.

# start_transmission WORK PEER_PORT DOWNLOAD_DIR [UPLOAD_BYTES_PER_S]: starts transmission-daemon in the foreground
# with its own config dir under WORK, peers on 127.0.0.1:PEER_PORT, RPC on a free 127.0.0.1 port, no DHT, LPD, PEX,
# uTP, port mapping, blocklist, ratio or idle limits. Sets transmission_pid and transmission_rpc (HOST:PORT).
start_transmission() {
    local work=$1 peer_port=$2 download_dir=$3 rate=${4:-0} rpc_port limit_kb=0
    rpc_port=$("$swarm_dir/free-port")
    # Transmission's speed unit is the kB (1000 bytes); round a nonzero limit up so it never becomes 0 (= off).
    [ "$rate" -gt 0 ] && limit_kb=$(((rate + 999) / 1000))
    mkdir -p "$work/config"
    cat >"$work/config/settings.json" <<EOF
{
    "bind-address-ipv4": "127.0.0.1",
    "bind-address-ipv6": "::1",
    "peer-port": $peer_port,
    "peer-port-random-on-start": false,
    "port-forwarding-enabled": false,
    "dht-enabled": false,
    "lpd-enabled": false,
    "pex-enabled": false,
    "utp-enabled": false,
    "blocklist-enabled": false,
    "download-dir": "$download_dir",
    "incomplete-dir-enabled": false,
    "rename-partial-files": false,
    "ratio-limit-enabled": false,
    "idle-seeding-limit-enabled": false,
    "download-queue-enabled": false,
    "seed-queue-enabled": false,
    "queue-stalled-enabled": false,
    "speed-limit-up": $limit_kb,
    "speed-limit-up-enabled": $([ "$limit_kb" -gt 0 ] && echo true || echo false),
    "rpc-enabled": true,
    "rpc-bind-address": "127.0.0.1",
    "rpc-port": $rpc_port,
    "rpc-authentication-required": false,
    "rpc-whitelist-enabled": true,
    "rpc-whitelist": "127.0.0.1",
    "rpc-host-whitelist-enabled": false,
    "start-added-torrents": true,
    "watch-dir-enabled": false,
    "message-level": 1
}
EOF
    transmission-daemon --foreground --config-dir "$work/config" >&2 &
    transmission_pid=$!
    transmission_rpc="127.0.0.1:$rpc_port"
    wait_for_port "$rpc_port" 10 "$transmission_pid" || die "transmission-daemon did not open its RPC port $rpc_port"
    # The RPC port accepts a moment before the session answers.
    local tries=0
    until transmission-remote "$transmission_rpc" --session-info >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 50 ] || die "transmission-daemon does not answer on $transmission_rpc"
        sleep 0.1
    done
}

# transmission_field NAME: the value of "NAME: value" in transmission-remote's --info for the torrent.
transmission_field() {
    transmission-remote "$transmission_rpc" --torrent all --info 2>/dev/null | sed -n "s/^ *$1: //p" | head -1
}

# stop_transmission: SIGTERM (transmission's clean stop) and wait.
stop_transmission() {
    [ -n "${transmission_pid:-}" ] || return 0
    kill -TERM "$transmission_pid" 2>/dev/null || true
    wait "$transmission_pid" 2>/dev/null || true
    transmission_pid=""
}
