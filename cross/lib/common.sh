# shellcheck shell=bash disable=SC2034  # globals here are used by the other lib/*.sh files
# common.sh — paths, logging and the pinned versions. Sourced by cross/clibs; defines no build steps.

CROSS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything downloaded or built lives here; safe to delete at any time.
CACHE=${RILL_CROSS_CACHE:-$CROSS_DIR/.cache}
CACHE=$(mkdir -p "$CACHE" && cd "$CACHE" && pwd)

# shellcheck source=/dev/null
. "$CROSS_DIR/versions.env"

TARGET=aarch64-linux-musl
JOBS=${RILL_CROSS_JOBS:-2}

log()  { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die()  { printf 'cross: error: %s\n' "$*" >&2; exit 1; }

# stamp_ok NAME KEY — true if step NAME finished before with the same KEY (versions + flags).
stamp_ok()  { [[ -f "$CACHE/stamps/$1" && "$(cat "$CACHE/stamps/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$CACHE/stamps" && printf '%s' "$2" >"$CACHE/stamps/$1"; }
