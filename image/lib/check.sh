# shellcheck shell=bash
# check.sh — checks of a built image, from the outside (no mounts, no emulation): the partition table, both FAT
# file systems (fsck.fat, expected files, autoboot.txt exactly 512 bytes where RILL_AUTOBOOT_OFFSET says), the
# initramfs and the squashfs contents. Any failure stops the build.

check_fail() { die "check: $*"; }

# check_image IMAGE
check_image() {
  local img=$1 tmp=$WORK/check geo start size n
  rm -rf "$tmp" && mkdir -p "$tmp"
  # Partition table.
  sfdisk -d "$img" >"$tmp/table" || check_fail "sfdisk cannot read the table"
  grep -q "^label-id: $DISK_ID\$" "$tmp/table" || check_fail "label-id is not $DISK_ID"
  [[ $(grep -c "^$img[0-9]" "$tmp/table") == 7 ]] || check_fail "expected 7 partitions: $(cat "$tmp/table")"
  local expect=(x "c.*bootable|bootable.*c" "type=c" "type=c" "type=5" "type=83" "type=83" "type=83")
  for n in 1 2 3 4 5 6 7; do
    grep -E "^$img$n :" "$tmp/table" | grep -Eq "${expect[$n]}" || check_fail "partition $n: $(grep "^$img$n :" "$tmp/table")"
  done
  extract_part() { read -r start size < <(part_geometry "$img" "$1"); dd if="$img" of="$2" bs=512 skip="$start" count="$size" status=none; }
  # Boot-select FAT.
  extract_part 1 "$tmp/p1"
  fsck.fat -n "$tmp/p1" >/dev/null || check_fail "partition 1 fails fsck.fat"
  MTOOLS_SKIP_CHECK=1 mcopy -n -i "$tmp/p1" ::autoboot.txt "$tmp/autoboot.txt" || check_fail "no autoboot.txt on partition 1"
  [[ $(bytes "$tmp/autoboot.txt") == "$AUTOBOOT_BYTES" ]] || check_fail "autoboot.txt is not $AUTOBOOT_BYTES bytes"
  cmp -s "$tmp/autoboot.txt" <(autoboot_text 2 3) || check_fail "autoboot.txt differs from [all] 2 / [tryboot] 3"
  cmp -s <(dd if="$tmp/p1" bs=1 skip="$AUTOBOOT_OFFSET" count="$AUTOBOOT_BYTES" status=none) "$tmp/autoboot.txt" \
    || check_fail "autoboot.txt is not at byte $AUTOBOOT_OFFSET of partition 1"
  # Slot A's boot FAT.
  extract_part 2 "$tmp/p2"
  fsck.fat -n "$tmp/p2" >/dev/null || check_fail "partition 2 fails fsck.fat"
  MTOOLS_SKIP_CHECK=1 mdir -b -i "$tmp/p2" :: | sed 's|^::/||' | LC_ALL=C sort >"$tmp/p2.files"
  local f
  for f in "$KERNEL_NAME" "$INITRD_NAME" cmdline.txt rill-slot.txt ${DTBS:-} ${PI_FIRMWARE:-} \
           $( [[ $BOARD == rpi-* ]] && echo config.txt ); do
    grep -qx "$f" "$tmp/p2.files" || check_fail "partition 2 has no $f (it has: $(tr '\n' ' ' <"$tmp/p2.files"))"
  done
  MTOOLS_SKIP_CHECK=1 mcopy -n -i "$tmp/p2" ::cmdline.txt "$tmp/cmdline.txt"
  grep -q "rill.disk=${DISK_ID#0x}" "$tmp/cmdline.txt" || check_fail "cmdline.txt lacks rill.disk: $(cat "$tmp/cmdline.txt")"
  grep -q 'rill.slot=' "$tmp/cmdline.txt" && check_fail "cmdline.txt must not name a slot (the firmware's partition does)"
  if [[ $BOARD == rpi-* ]]; then
    MTOOLS_SKIP_CHECK=1 mcopy -n -i "$tmp/p2" ::config.txt "$tmp/config.txt"
    grep -q '^kernel=vmlinuz$' "$tmp/config.txt" && grep -q '^initramfs initrd.img followkernel$' "$tmp/config.txt" \
      && grep -q '^arm_64bit=1$' "$tmp/config.txt" || check_fail "config.txt does not load vmlinuz + initrd.img in 64-bit mode"
  fi
  # Slot B's partitions and data are empty (zeros) in a fresh image.
  for n in 3 6 7; do
    read -r start size < <(part_geometry "$img" "$n")
    dd if="$img" bs=512 skip="$start" count=2048 status=none | cmp -s - <(head -c $((2048 * 512)) /dev/zero) \
      || check_fail "partition $n is not empty"
  done
  # The initramfs.
  extract_part 2 "$tmp/p2" && MTOOLS_SKIP_CHECK=1 mcopy -n -i "$tmp/p2" "::$INITRD_NAME" "$tmp/initrd"
  zstd -dc "$tmp/initrd" | cpio -t --quiet 2>/dev/null | LC_ALL=C sort >"$tmp/initrd.files"
  for f in init bin/busybox sbin/sfdisk sbin/mke2fs sbin/e2fsck sbin/resize2fs sbin/fsck.fat etc/initramfs-modules; do
    grep -qx "$f" "$tmp/initrd.files" || check_fail "the initramfs has no /$f"
  done
  for f in squashfs overlay ext4 vfat; do
    grep -q "/$f.ko" "$tmp/initrd.files" || check_fail "the initramfs has no $f module"
  done
  # The system squashfs.
  extract_part 5 "$tmp/p5"
  unsquashfs -lls -d '' "$tmp/p5" >"$tmp/p5.list" 2>/dev/null || check_fail "partition 5 is not a squashfs"
  awk '$6 != "" { print $6 }' "$tmp/p5.list" | LC_ALL=C sort >"$tmp/p5.files"
  local required="/sbin/init /bin/busybox /bin/sh /usr/bin/wg /bin/ip /etc/inittab /etc/init.d/rcS /etc/rill/rill.toml.default
    /etc/rill/image-release /etc/ssl/certs/ca-certificates.crt /usr/lib/rill/supervise /usr/lib/rill/preseed /data /boot
    /lib/modules/$KVER/modules.dep"
  [[ -n $RILL_BIN ]] && required+=" /usr/bin/rill"
  [[ $BOARD == rpi-* ]] && required+=" /sbin/wpa_supplicant /lib/firmware/regulatory.db"
  for f in $required; do grep -qx "$f" "$tmp/p5.files" || check_fail "the system has no $f"; done
  for f in wireguard ${WATCHDOG_MODULE:-}; do
    grep -q "/$f.ko\$" "$tmp/p5.files" || check_fail "the system has no $f module"
  done
  if [[ -z $RILL_BIN ]] && grep -qx /usr/bin/rill "$tmp/p5.files"; then check_fail "--without-rill, yet /usr/bin/rill is there"; fi
  grep -q '^/usr/share/doc/.*[^t]$' <(grep '^/usr/share/doc/[^/]*/[^/]*$' "$tmp/p5.files" | grep -v '/copyright$') \
    && check_fail "documentation other than copyright files is in the system"
  note "check: partition table, FAT contents ($(wc -l <"$tmp/p2.files") files in the slot's boot), initramfs ($(wc -l <"$tmp/initrd.files") entries), system ($(wc -l <"$tmp/p5.files") entries): ok"
}
