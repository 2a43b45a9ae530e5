# shellcheck shell=bash
# bootfs.sh — the FAT file systems: the boot-select partition (autoboot.txt and files a user may put there) and
# a slot's boot partition (kernel, initramfs, cmdline.txt; on the Pi the firmware, device trees and config.txt).
# Built as files with mkfs.vfat --invariant and a fixed volume id; files are copied with mcopy -m and every
# source file carries the build time, so the same inputs give the same bytes. No subfolders: mmd would stamp
# the current time.

AUTOBOOT_BYTES=512

# autoboot_text GOOD TRIAL — the Raspberry Pi firmware's autoboot.txt, padded with newlines to exactly 512 bytes
# so that it can be rewritten in place (docs/IMAGE.md). GOOD and TRIAL are partition numbers (2 or 3).
autoboot_text() {
  local text
  text=$(printf '[all]\ntryboot_a_b=1\nboot_partition=%s\n[tryboot]\nboot_partition=%s\n' "$1" "$2")
  printf '%s\n' "$text"
  head -c $(( AUTOBOOT_BYTES - ${#text} - 1 )) /dev/zero | tr '\0' '\n'
}

# fat_image OUT MIB LABEL VOLID DIR — a FAT file system image of MIB MiB holding DIR's files (no subfolders).
fat_image() {
  local out=$1 size=$2 label=$3 volid=$4 dir=$5 f
  rm -f "$out"
  mkfs.vfat -C --invariant -i "$volid" -n "$label" "$out" $(( size * 1024 )) >/dev/null || die "mkfs.vfat $out failed"
  touch_tree "$dir"
  while IFS= read -r f; do
    [[ -f $dir/$f ]] || die "$dir/$f: boot partitions hold files only"
    MTOOLS_SKIP_CHECK=1 mcopy -m -o -i "$out" "$dir/$f" "::$f" || die "mcopy $f failed"
  done < <(cd "$dir" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort)
}

# bootsel_build OUT — partition 1: autoboot.txt (boot A, try B), a README for people who look at the card, and
# the boot-select overlay files.
bootsel_build() {
  local dir=$WORK/bootsel o
  rm -rf "$dir" && mkdir -p "$dir"
  autoboot_text 2 3 >"$dir/autoboot.txt"
  for o in "$REPO_DIR/overlays/common/bootsel" "$REPO_DIR/overlays/$BOARD/bootsel"; do
    [[ -d $o ]] && cp -r "$o/." "$dir/"
  done
  fat_image "$1" "$BOOTSEL_MIB" RILL-BOOT 52494c31 "$dir"
  # Where autoboot.txt's one cluster is inside the partition: OTA rewrites those 512 bytes in place.
  AUTOBOOT_OFFSET=$(python3 -c '
import sys
data = open(sys.argv[1], "rb").read(); text = open(sys.argv[2], "rb").read()
at = data.find(text)
print(at if at >= 0 and at % 512 == 0 and data.find(text, at + 1) < 0 else -1)' "$1" "$dir/autoboot.txt")
  (( AUTOBOOT_OFFSET > 0 )) || die "autoboot.txt is not one aligned, contiguous copy in the boot-select FAT"
}

# slotboot_build OUT — a slot's boot partition: the same for slot A and B (the slot is where the firmware loaded
# it from, not a file in it), so an OTA bundle's boot.vfat fits either slot.
slotboot_build() {
  local dir=$WORK/slotboot o f
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$KERNEL_IMAGE" "$dir/$KERNEL_NAME"
  cp "$WORK/initrd.img" "$dir/$INITRD_NAME"
  printf '%s rill.disk=%s panic=10\n' "$CMDLINE" "${DISK_ID#0x}" >"$dir/cmdline.txt"
  for f in ${DTBS:-}; do
    cp "$WORK/kernel/usr/lib/linux-image-$KVER/broadcom/$f" "$dir/" || die "device tree $f is not in the kernel package"
  done
  for f in ${PI_FIRMWARE:-}; do
    cp "$WORK/standalone/raspi-firmware/usr/lib/raspi-firmware/$f" "$dir/" || die "$f is not in raspi-firmware"
  done
  for o in "$REPO_DIR/overlays/common/boot" "$REPO_DIR/overlays/$BOARD/boot"; do
    [[ -d $o ]] && cp -r "$o/." "$dir/"
  done
  printf 'RILL_BOARD=%s\nRILL_IMAGE_VERSION=%s\nRILL_KERNEL=%s\n' "$BOARD" "$VERSION" "$KVER" >"$dir/rill-slot.txt"
  fat_image "$1" "$BOOT_MIB" RILL-SLOT 52494c32 "$dir"
}
