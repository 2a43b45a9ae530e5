# shellcheck shell=bash disable=SC2034  # globals here are used by the other lib/*.sh files
# common.sh — paths, logging, the build clock. Sourced by image/build; defines no build steps.

IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$IMAGE_DIR/.." && pwd)

# Downloads (apt lists and .debs) live here between runs; safe to delete at any time.
CACHE=${RILL_IMAGE_CACHE:-$IMAGE_DIR/.cache}
CACHE=$(mkdir -p "$CACHE" && cd "$CACHE" && pwd)

DEBIAN_SUITE=bookworm

log()  { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die()  { printf 'image: error: %s\n' "$*" >&2; exit 1; }

# The host's Debian mirror (the first deb.debian.org-style URI in /etc/apt/sources.list*), so that CI, which can
# reach only the mirrors configured on the machine, downloads from the same place. RILL_DEBIAN_MIRROR overrides.
host_mirror() {
  local uri
  if [[ -n ${RILL_DEBIAN_MIRROR:-} ]]; then printf '%s\n' "$RILL_DEBIAN_MIRROR"; return; fi
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
  [[ -n $uri ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# touch_tree DIR — every file, folder and link in DIR gets the build time (SOURCE_DATE_EPOCH) as its mtime.
touch_tree() { find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

# bytes FILE — size in bytes; mib N — N MiB in bytes.
bytes() { stat -c %s "$1"; }
mib() { echo $(( $1 * 1024 * 1024 )); }
