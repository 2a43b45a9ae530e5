# shellcheck shell=bash
# update.sh — what OTA needs from the image (docs/OTA.md): the trusted public key and the [update] settings
# baked into the read-only system, and the signed bundle of this image's slot written next to it.
#
# The settings go into /usr/lib/rill/update.env as RILL_UPDATE_* variables (supervise and the console's profile
# read it): they are facts of this system version (board, partitions, boot path), so they live in the slot,
# change with an update, and cannot be changed by the data partition's rill.toml or the web settings.

# update_bake — /usr/share/rill/bundle-signing.pub (when a key is given) and /usr/lib/rill/update.env.
update_bake() {
  local p=$SLOT_DEV_PREFIX env=$ROOTFS/usr/lib/rill/update.env
  mkdir -p "$ROOTFS/usr/lib/rill" "$ROOTFS/usr/share/rill"
  if [[ -n $BUNDLE_PUB ]]; then
    install -m 0644 "$BUNDLE_PUB" "$ROOTFS/usr/share/rill/bundle-signing.pub"
  fi
  cat >"$env" <<ENV
# OTA settings of this system (image/lib/update.sh; docs/OTA.md). Read by /usr/lib/rill/supervise.
RILL_UPDATE_BOARD=$UPDATE_BOARD
RILL_UPDATE_PUBLIC_KEY_FILE=/usr/share/rill/bundle-signing.pub
RILL_UPDATE_BOOTLOADER=tryboot
RILL_UPDATE_AUTOBOOT_PATH=${p}1
RILL_UPDATE_AUTOBOOT_OFFSET=$AUTOBOOT_OFFSET
RILL_UPDATE_TRYBOOT_PARTITION_A=2
RILL_UPDATE_TRYBOOT_PARTITION_B=3
RILL_UPDATE_SLOT_IMAGES=system.squashfs@a=${p}5,system.squashfs@b=${p}6,boot.vfat@a=${p}2,boot.vfat@b=${p}3
RILL_UPDATE_REBOOT=syscall
ENV
  if [[ -n $RILL_BIN && $ARCH == amd64 && $(uname -m) == x86_64 ]]; then
    local out
    out=$(set -a; . "$env"; SWIFT_BACKTRACE=enable=no "$RILL_BIN" config check "$ROOTFS/etc/rill/rill.toml.default" 2>&1) \
      || die "rill refuses the image's update settings ($env): $out"
  fi
  note "update: board $UPDATE_BOARD, tryboot, slots ${p}2/${p}5 and ${p}3/${p}6, key: ${BUNDLE_PUB:-none (updates unavailable)}"
}

# host_rill — a rill that runs on this build host (for `rill bundle create`).
host_rill() {
  local c
  for c in "${RILL_HOST:-}" "$([[ $ARCH == amd64 ]] && echo "$RILL_BIN")" "$REPO_DIR/out/rill-x86_64-static" \
           "$REPO_DIR/.build/release/rill" "$REPO_DIR/.build/debug/rill"; do
    [[ -n $c && -x $c ]] && { echo "$c"; return 0; }
  done
  return 1
}

# bundle_write SYSTEM BOOT OUT — the slot's images as a signed bundle (version $VERSION, board $UPDATE_BOARD).
bundle_write() {
  local rill
  rill=$(host_rill) || die "no rill runs on this host to create the bundle (set RILL_HOST, or build out/rill-x86_64-static)"
  rm -f "$3"
  "$rill" bundle create --board "$UPDATE_BOARD" --version "$VERSION" --min-version "$MIN_VERSION" \
    --image system.squashfs="$1" --image boot.vfat="$2" --key "$BUNDLE_KEY" --created "$SOURCE_DATE_EPOCH" \
    --out "$3" >/dev/null || die "rill bundle create failed"
  "$rill" bundle verify --key "$BUNDLE_PUB" --board "$UPDATE_BOARD" "$3" >/dev/null \
    || die "the bundle $3 does not verify with $BUNDLE_PUB"
  note "bundle $(basename "$3"): $(( $(bytes "$3") >> 20 )) MiB, version $VERSION (from $MIN_VERSION), signed"
}
