# shellcheck shell=bash
# image/test/lib.sh — helpers for driving a Rill image under image/test/firmware: the serial console (a root
# shell on ttyS0 on the qemu-x86_64 board), waiting for boots and HTTP. Source it; set FW_DIR (the firmware's
# --dir) and HTTP (http://127.0.0.1:PORT) first.

# t_fail MESSAGE — print the tail of the console and stop the test.
t_fail() {
  echo "${T_NAME:-image-test}: FAIL: $*" >&2
  [[ -f ${FW_DIR:-/nonexistent}/console.log ]] && { echo "--- console (last 40 lines)" >&2; tail -n 40 "$FW_DIR/console.log" >&2; }
  exit 1
}
t_say() { printf '%s: %s\n' "${T_NAME:-image-test}" "$*"; }

# boots — how many boots the firmware has started.
boots() { cat "$FW_DIR/boots" 2>/dev/null || echo 0; }

# wait_console BOOT PATTERN SECONDS — wait until boot BOOT's console log matches PATTERN (grep -E).
wait_console() {
  local boot=$1 pattern=$2 seconds=$3 i
  for ((i = 0; i < seconds * 5; i++)); do
    grep -Eq "$pattern" "$FW_DIR/boot.$boot.log" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# wait_boot N SECONDS — wait until the firmware has started boot N.
wait_boot() {
  local n=$1 seconds=$2 i
  for ((i = 0; i < seconds * 5; i++)); do
    (( $(boots) >= n )) && return 0
    sleep 0.2
  done
  return 1
}

# console_run COMMAND [SECONDS] — run COMMAND (one line; end a background job with '& true') in the guest's console shell, print its output (stdout and
# stderr, without the echo of the command), return its exit status. The end is found by a marker the shell
# computes ($((...))), so the echoed command line never matches it.
console_run() {
  local cmd=$1 seconds=${2:-30} boot seq start marker out i
  boot=$(boots)
  # A counter in a file: callers run this in command substitutions (subshells).
  seq=$(( $(cat "$FW_DIR/console.seq" 2>/dev/null || echo $((RANDOM * 1000))) + 2 ))
  echo "$seq" >"$FW_DIR/console.seq"
  marker="@@$((seq + 1))@@"
  start=$(wc -l <"$FW_DIR/boot.$boot.log")
  timeout 5 bash -c 'printf "%s\n" "$1" >"$2"' _ \
    "{ $cmd; } >/tmp/.out.$seq 2>&1; rc=\$?; echo; echo \"##\$(cat /tmp/.out.$seq | base64 -w0)##\"; echo \"@@\$(($seq + 1))@@\$rc\"" \
    "$FW_DIR/con.in" || { echo "console: cannot write to the console" >&2; return 125; }
  for ((i = 0; i < seconds * 10; i++)); do
    if tail -n +"$((start + 1))" "$FW_DIR/boot.$boot.log" | grep -aq "^$marker[0-9]"; then
      out=$(tail -n +"$((start + 1))" "$FW_DIR/boot.$boot.log" | tr -d '\r' | grep -a '^##.*##$' | tail -n1)
      out=${out#\#\#}; out=${out%\#\#}
      printf '%s' "$out" | base64 -d 2>/dev/null
      return "$(tail -n +"$((start + 1))" "$FW_DIR/boot.$boot.log" | tr -d '\r' | sed -n "s/^$marker\([0-9]*\).*/\1/p" | tail -n1)"
    fi
    sleep 0.1
  done
  echo "console: no answer to '$cmd' within $seconds s" >&2
  return 124
}

# wait_http PATH SECONDS — wait until GET $HTTP$PATH answers anything (any status but no connection error).
# Prints the seconds waited. The forwarded port accepts before the guest listens: short timeouts.
wait_http() {
  local path=$1 seconds=$2 start now code
  start=$(date +%s.%N)
  while :; do
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$HTTP$path" 2>/dev/null || true)
    if [[ $code != 000 && -n $code ]]; then
      now=$(date +%s.%N)
      printf '%.1f\n' "$(echo "$now - $start" | bc -l)"
      return 0
    fi
    now=$(date +%s.%N)
    (( $(echo "$now - $start > $seconds" | bc -l) )) && return 1
    sleep 0.3
  done
}

# http METHOD PATH [BODY] — a request with the cookie jar $JAR and, once a session exists, its CSRF token
# ($JAR.csrf, what save_csrf stored) as X-CSRF-Token; prints "STATUS BODY".
http() {
  local method=$1 path=$2 body=${3:-} out code args=()
  out=$(mktemp)
  args=(-s -m 20 -o "$out" -w '%{http_code}' -X "$method" -b "${JAR:-/dev/null}" -c "${JAR:-/dev/null}")
  [[ -n ${JAR:-} && -s $JAR.csrf ]] && args+=(-H "X-CSRF-Token: $(cat "$JAR.csrf")")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  code=$(curl "${args[@]}" "$HTTP$path" || echo 000)
  printf '%s %s\n' "$code" "$(head -c 2000 "$out")"
  rm -f "$out"
}

# save_csrf JSON — keep the "csrf_token" of a login or setup/admin answer for the next unsafe requests.
save_csrf() {
  local token
  token=$(printf '%s' "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])' 2>/dev/null) \
    || t_fail "no csrf_token in: ${1:0:200}"
  printf '%s' "$token" >"$JAR.csrf"
}

# forget_session — drop the cookie jar and the CSRF token (a client that never logged in).
forget_session() { rm -f "$JAR" "$JAR.csrf"; }

# expect_status WANT METHOD PATH [BODY] — http, failing the test unless the status is WANT.
expect_status() {
  local want=$1; shift
  local got
  got=$(http "$@")
  [[ ${got%% *} == "$want" ]] || t_fail "$1 $2: expected $want, got: $got"
  printf '%s\n' "${got#* }"
}

# free_port — a TCP port nothing listens on.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$(shuf -i 20000-60000 -n 1)
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  return 1
}

# screenshot NAME PATH — headless chromium at a phone viewport (360x780) into $ARTIFACTS/NAME.png, with the
# session cookie from $JAR when there is one (image/test/screenshot.py).
screenshot() {
  local name=$1 path=$2 cookie args=()
  command -v chromium >/dev/null || t_fail "no chromium: cannot screenshot $name"
  cookie=""
  [[ -f ${JAR:-} ]] && cookie=$(awk '$6 == "rill_session" { print $7 }' "$JAR" | tail -n1)
  [[ -n $cookie ]] && args=(--cookie "rill_session=$cookie")
  rm -f "$ARTIFACTS/$name.png"
  timeout 120 python3 "$(dirname "${BASH_SOURCE[0]}")/screenshot.py" --url "$HTTP$path" --out "$ARTIFACTS/$name.png" "${args[@]}" \
    || t_fail "chromium made no screenshot of $path ($name)"
  rm -f "$ARTIFACTS/$name.png.chromium.log"
}
