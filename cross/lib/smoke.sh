# shellcheck shell=bash
# smoke.sh — link cross/test/clibs-smoke.c fully static against the three libraries and run it under qemu.

# smoke_run PREFIX OUT — build OUT (and OUT.stripped), check it is a static aarch64 ELF, run it.
smoke_run() {
  local prefix=$1 out=$2
  local src=$CROSS_DIR/test/clibs-smoke.c
  mkdir -p "$(dirname "$out")"
  log "smoke test: link $(basename "$src") -static for $TARGET"
  # shellcheck disable=SC2086
  "$CC" -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
    -I"$prefix/include" -I"$prefix/include/fuse3" -L"$prefix/lib" \
    -Wl,--gc-sections "$src" -o "$out" -lsqlite3 -lfuse3 -lgpiod -lpthread -lm
  "$STRIP" --strip-all -o "$out.stripped" "$out"

  local desc
  desc=$(file -b "$out.stripped")
  note "file: $desc"
  [[ $desc == *"ARM aarch64"* ]] || die "smoke binary is not ARM aarch64: $desc"
  [[ $desc == *"statically linked"* ]] || die "smoke binary is not statically linked: $desc"
  [[ $desc != *interpreter* ]] || die "smoke binary has a program interpreter: $desc"

  local qemu=${RILL_QEMU_AARCH64:-$(command -v qemu-aarch64-static || true)}
  [[ -n $qemu ]] || die "qemu-aarch64-static not found (apt-get install qemu-user-static)"
  log "smoke test: run under $(basename "$qemu")"
  local output rc=0
  output=$("$qemu" "$out.stripped" 2>&1) || rc=$?
  printf '    | %s\n' "${output//$'\n'/$'\n'    | }" >&2
  (( rc == 0 )) || die "smoke binary failed under qemu (exit $rc)"
  grep -q '^clibs-smoke: all checks passed$' <<<"$output" || die "smoke binary did not report success"
}
