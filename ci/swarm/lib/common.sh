# What the bash scripts in ci/swarm share. Source it; it defines functions only.

swarm_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# wait_for_line FILE PREFIX SECONDS [PID]: waits until FILE has a line starting with PREFIX and prints that line;
# fails when SECONDS pass or PID exits first.
wait_for_line() {
    local file=$1 prefix=$2 seconds=$3 pid=${4:-} line
    local deadline=$((SECONDS + seconds))
    while [ "$SECONDS" -lt "$deadline" ]; do
        line=$(grep -m1 "^$prefix" "$file" 2>/dev/null || true)
        [ -n "$line" ] && { echo "$line"; return 0; }
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
        sleep 0.1
    done
    return 1
}

# wait_for_port PORT SECONDS [PID] [HOST]: waits until something accepts TCP connections on HOST:PORT (default
# 127.0.0.1); fails when SECONDS pass or PID exits first.
wait_for_port() {
    local port=$1 deadline=$((SECONDS + $2)) pid=${3:-} host=${4:-127.0.0.1}
    while [ "$SECONDS" -lt "$deadline" ]; do
        (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
        sleep 0.1
    done
    return 1
}

# magnet_peers URI: prints the x.pe peers of a magnet URI, one HOST:PORT per line.
magnet_peers() {
    local part
    tr '&?' '\n\n' <<<"$1" | while read -r part; do
        case "$part" in x.pe=*) printf '%b\n' "${part#x.pe=}" | sed 's/%3[aA]/:/g' ;; esac
    done
}

# start_static_tracker WORKDIR PEER...: starts ci/swarm/static-tracker for the peers in the background and sets
# static_tracker_pid and static_tracker_url. The caller stops it.
start_static_tracker() {
    local work=$1 line
    shift
    "$swarm_dir/static-tracker" "$@" >"$work/static-tracker.out" 2>"$work/static-tracker.err" &
    static_tracker_pid=$!
    line=$(wait_for_line "$work/static-tracker.out" "ready " 10 "$static_tracker_pid") ||
        die "static-tracker did not start: $(cat "$work/static-tracker.err")"
    static_tracker_url="http://127.0.0.1:${line#ready }/announce"
}

# run_until_signal PID SIGNAL: waits for PID; a SIGTERM or SIGINT to this script is passed on to PID as SIGNAL
# (the one that makes that client shut down cleanly). Returns PID's exit status.
run_until_signal() {
    local pid=$1 signal=$2
    trap "kill -$signal $pid 2>/dev/null" TERM INT
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
    trap - TERM INT
    wait "$pid"  # bash keeps a reaped child's status, so this returns it even when a trap cut the first wait short
}
