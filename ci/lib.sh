# Shared helpers for the ci/ scripts. Source it; it defines functions only.

# Installs the Debian packages among "$@" that are not installed yet (apt-get update runs only if one is missing).
install_missing() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "ci: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages listed in ci/deps (comments and blank lines skipped).
listed_deps() {
    grep -v '^\s*#' "$(dirname "${BASH_SOURCE[0]}")/deps" | grep -v '^\s*$'
}

# Makes the Swift toolchain reachable when it is installed under /opt/swift but not on PATH.
find_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH" && return 0
    echo "ci: no Swift 6 toolchain found (swift on PATH or /opt/swift)" >&2
    return 1
}
