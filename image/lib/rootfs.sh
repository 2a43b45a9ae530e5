# shellcheck shell=bash
# rootfs.sh — the system slot's root filesystem: Debian packages unpacked with mmdebstrap --variant=extract
# (nothing is configured, no maintainer script runs), cut down, the kernel modules, the overlays and rill.

# What is removed after unpacking: documentation (copyright files stay), translations, iconv modules, and the
# package tools' state (there is no apt or dpkg on the device: the whole system is replaced by OTA).
ROOTFS_PRUNE=(
  usr/share/man usr/share/info usr/share/locale usr/share/lintian usr/share/bug usr/share/bash-completion
  usr/share/debconf usr/share/perl5 usr/share/pixmaps usr/share/menu usr/share/zsh usr/share/common-licenses
  "usr/lib/*/gconv" usr/lib/*/perl* usr/bin/perl* etc/debconf.conf var/cache/debconf
  var/lib/dpkg var/lib/apt var/cache/apt var/log/* etc/apt etc/dpkg etc/kernel etc/initramfs etc/default
  usr/share/doc-base etc/cron.* etc/logrotate.d etc/init.d/* etc/rc?.d etc/systemd lib/systemd usr/lib/systemd
)

# rootfs_unpack — mmdebstrap the board's PACKAGES into $ROOTFS. Downloaded .debs are kept in $CACHE/debs-ARCH
# and handed back to apt on the next run (setup hook in, extract hook out), so only new versions are fetched.
rootfs_unpack() {
  local debs=$CACHE/debs-$ARCH packages=$PACKAGES
  [[ $FFMPEG == yes ]] && packages+=" ffmpeg"
  mkdir -p "$debs"
  rm -rf "$ROOTFS"
  log "rootfs: mmdebstrap --variant=extract $packages ($ARCH)"
  mmdebstrap --quiet --variant=extract --architectures="$ARCH" --components=main \
    --include="${packages// /,}" \
    --setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives && find '$debs' -name '*.deb' -exec cp -t \"\$1\"/var/cache/apt/archives {} +" \
    --extract-hook="cp -u \"\$1\"/var/cache/apt/archives/*.deb '$debs'/ && ls \"\$1\"/var/cache/apt/archives/ | grep '\\.deb\$' | LC_ALL=C sort >'$WORK/packages.txt'" \
    "$DEBIAN_SUITE" "$ROOTFS" "$(host_mirror)" >"$WORK/mmdebstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $WORK/mmdebstrap.log)"; }
  note "$(wc -l <"$WORK/packages.txt") packages: $(sed 's/_.*//' "$WORK/packages.txt" | tr '\n' ' ')"
}

# rootfs_standalone — unpack STANDALONE_PACKAGES (no dependencies) into $WORK/standalone/NAME and take what the
# system needs from them: the CA bundle, the wireless regulatory database, Wi-Fi firmware.
rootfs_standalone() {
  local pkg deb dir
  for pkg in $STANDALONE_PACKAGES; do
    deb=$(apt_fetch "$pkg")
    dir=$WORK/standalone/$pkg
    rm -rf "$dir" && mkdir -p "$dir" && dpkg-deb -x "$deb" "$dir"
    basename "$deb" >>"$WORK/packages.txt"
  done
  if [[ -d $WORK/standalone/ca-certificates ]]; then
    # What update-ca-certificates would write (it is a maintainer script, which extract does not run).
    mkdir -p "$ROOTFS/etc/ssl/certs"
    find "$WORK/standalone/ca-certificates/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort \
      | xargs cat >"$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  fi
  if [[ -d $WORK/standalone/wireless-regdb ]]; then
    mkdir -p "$ROOTFS/lib/firmware"
    # Debian's copies, signed with the key the Debian kernel trusts (the package installs them as alternatives).
    cp "$WORK/standalone/wireless-regdb/lib/firmware/regulatory.db-debian" "$ROOTFS/lib/firmware/regulatory.db"
    cp "$WORK/standalone/wireless-regdb/lib/firmware/regulatory.db.p7s-debian" "$ROOTFS/lib/firmware/regulatory.db.p7s"
  fi
  local glob src found
  for glob in ${FIRMWARE_GLOBS:-}; do
    found=0
    for src in "$WORK"/standalone/*/lib/firmware; do
      # shellcheck disable=SC2086  # the glob is meant to expand
      (cd "$src" && compgen -G "$glob" >/dev/null) || continue
      (cd "$src" && for f in $glob; do mkdir -p "$ROOTFS/lib/firmware/$(dirname "$f")"; cp -a "$f" "$ROOTFS/lib/firmware/$f"; done)
      found=1
    done
    (( found )) || die "no firmware matches $glob"
  done
  # brcmfmac firmware in Debian is partly links into cypress/: take the targets too.
  if [[ -d $ROOTFS/lib/firmware/brcm ]]; then
    find "$ROOTFS/lib/firmware/brcm" -type l | while read -r link; do
      local target; target=$(readlink "$link")
      [[ -e $ROOTFS/lib/firmware/brcm/$target ]] && continue
      for src in "$WORK"/standalone/*/lib/firmware/brcm; do
        [[ -e $src/$target ]] || continue
        mkdir -p "$(dirname "$ROOTFS/lib/firmware/brcm/$target")"
        cp -L "$src/$target" "$ROOTFS/lib/firmware/brcm/$target"
      done
    done
  fi
}

# rootfs_prune — remove ROOTFS_PRUNE and keep only /usr/share/doc/*/copyright.
rootfs_prune() {
  local p
  (cd "$ROOTFS" && for p in "${ROOTFS_PRUNE[@]}"; do
     # shellcheck disable=SC2086  # globs in the list
     rm -rf $p
   done)
  [[ -d $ROOTFS/usr/share/doc ]] && find "$ROOTFS/usr/share/doc" ! -type d ! -name copyright -delete
  find "$ROOTFS/usr/share/doc" -depth -type d -empty -delete 2>/dev/null || true
  rm -rf "$ROOTFS/dev" "$ROOTFS/tmp" && mkdir -p "$ROOTFS/dev" "$ROOTFS/tmp"
}

# rootfs_busybox — busybox applet links for every applet no real program provides (the list comes from the
# host's busybox-static, the same Debian version and configuration as the board's).
rootfs_busybox() {
  local bb=$ROOTFS/bin/busybox applet
  [[ -x $bb ]] || die "busybox-static is not in the root filesystem"
  command -v busybox >/dev/null || die "the host needs busybox-static (its applet list)"
  busybox --list-full | while read -r applet; do
    # No link where a real program of that name is anywhere on PATH (rill runs `ip` by searching it).
    local name=${applet##*/} d real=0
    for d in bin sbin usr/bin usr/sbin; do [[ -e $ROOTFS/$d/$name || -L $ROOTFS/$d/$name ]] && real=1; done
    (( real )) && continue
    mkdir -p "$ROOTFS/$(dirname "$applet")"
    ln -s /bin/busybox "$ROOTFS/$applet"
  done
}

# rootfs_overlay DIR — copy DIR's tree over the root filesystem, except boot/ and bootsel/ (FAT contents).
rootfs_overlay() {
  [[ -d $1 ]] || return 0
  (cd "$1" && find . -mindepth 1 \( -path ./boot -o -path ./bootsel \) -prune -o -print | LC_ALL=C sort \
     | cpio -pdmu --quiet "$ROOTFS") || die "overlay $1 failed"
}

# rootfs_rill FILE — install rill as /usr/bin/rill (mode 0755).
rootfs_rill() {
  install -D -m 0755 "$1" "$ROOTFS/usr/bin/rill"
}

# rootfs_release — /etc/rill/image-release (what this system is) and /usr/share/rill/packages.txt (what it is
# made of: every Debian package and version).
rootfs_release() {
  mkdir -p "$ROOTFS/etc/rill" "$ROOTFS/usr/share/rill"
  LC_ALL=C sort -u "$WORK/packages.txt" >"$ROOTFS/usr/share/rill/packages.txt"
  cat >"$ROOTFS/etc/rill/image-release" <<REL
RILL_BOARD=$BOARD
RILL_IMAGE_VERSION=$VERSION
RILL_BUILD_EPOCH=$SOURCE_DATE_EPOCH
RILL_KERNEL=$KVER
RILL_HAS_RILL=$([[ -n $RILL_BIN ]] && echo yes || echo no)
RILL_WATCHDOG=${WATCHDOG:-yes}
RILL_DISK_ID=${DISK_ID#0x}
RILL_AUTOBOOT_OFFSET=$AUTOBOOT_OFFSET
REL
}

# rootfs_watchdog_config — check the default /data/rill.toml with the rill that goes in, when it runs here.
# A rill that does not know `[device] watchdog` yet (the device work not merged) refuses the file: then the
# section is left out, loudly, and /etc/rill/image-release says RILL_WATCHDOG=no (image/test fails its
# watchdog step with that reason instead of a confusing one).
rootfs_watchdog_config() {
  local conf=$ROOTFS/etc/rill/rill.toml.default out
  WATCHDOG=yes
  [[ -n $RILL_BIN ]] || return 0
  if [[ $ARCH == amd64 && $(uname -m) == x86_64 ]]; then
    if ! out=$(SWIFT_BACKTRACE=enable=no "$RILL_BIN" config check "$conf" 2>&1); then
      if grep -q 'device' <<<"$out"; then
        note "WARNING: this rill refuses [device] in the default config ($out); the image's rill will not own the watchdog"
        awk '/^\[device\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
        WATCHDOG=no
        out=$(SWIFT_BACKTRACE=enable=no "$RILL_BIN" config check "$conf" 2>&1) || die "rill refuses the default config: $out"
      else
        die "rill refuses the default config $conf: $out"
      fi
    fi
  fi
}
