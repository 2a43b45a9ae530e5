# shellcheck shell=bash
# disk.sh — the MBR layout and the disk image: partition 1 boot-select FAT, 2 and 3 the slots' boot FATs,
# 4 extended, 5 and 6 the slots' system squashfs, 7 data (ext4, made at first boot; it grows to the disk).
# The image ships slot A; slot B's partitions are empty until the first OTA update writes them.

# squashfs_build OUT — the system squashfs from $ROOTFS: xz, every inode owned by root with the build time.
squashfs_build() {
  rm -f "$1"
  env -u SOURCE_DATE_EPOCH mksquashfs "$ROOTFS" "$1" -noappend -comp xz -b 256K -no-xattrs -all-root \
    -all-time "$SOURCE_DATE_EPOCH" -mkfs-time "$SOURCE_DATE_EPOCH" -processors "${RILL_IMAGE_JOBS:-2}" \
    -quiet -no-progress >/dev/null || die "mksquashfs failed"
  (( $(bytes "$1") <= $(mib "$SYSTEM_MIB") )) \
    || die "the system squashfs ($(( $(bytes "$1") >> 20 )) MiB) does not fit the $SYSTEM_MIB MiB slot"
  note "system squashfs $(( $(bytes "$1") >> 20 )) MiB of $SYSTEM_MIB MiB"
}

# disk_layout — the sfdisk script (sizes in sectors, starts left to sfdisk's 1 MiB alignment).
disk_layout() {
  local s=2048   # sectors per MiB
  cat <<LAYOUT
label: dos
label-id: $DISK_ID
unit: sectors

start=$((4 * s)), size=$((BOOTSEL_MIB * s)), type=c, bootable
size=$((BOOT_MIB * s)), type=c
size=$((BOOT_MIB * s)), type=c
size=$(( (3 + 2 * SYSTEM_MIB + DATA_MIB) * s )), type=5
size=$((SYSTEM_MIB * s)), type=83
size=$((SYSTEM_MIB * s)), type=83
size=$((DATA_MIB * s)), type=83
LAYOUT
}

# disk_image OUT BOOTSEL SLOTBOOT SYSTEM — lay out OUT and write the file systems into partitions 1, 2 and 5.
# Partition 7 gets the first 1 MiB zeroed; the rest stays sparse (zeros), which the first boot formats.
disk_image() {
  local out=$1 total
  # 4 MiB before partition 1; each logical partition starts 1 MiB after its EBR (sfdisk aligns to 1 MiB).
  total=$(( 4 + BOOTSEL_MIB + 2 * BOOT_MIB + 2 * SYSTEM_MIB + DATA_MIB + 3 ))
  rm -f "$out"
  truncate -s "$(mib "$total")" "$out"
  disk_layout | sfdisk -q --no-reread --no-tell-kernel "$out" >/dev/null || die "sfdisk failed"
  sfdisk -J "$out" >"$WORK/partitions.json"
  local n file
  for n in 1:"$2" 2:"$3" 5:"$4"; do
    file=${n#*:}; n=${n%%:*}
    local start size
    read -r start size < <(part_geometry "$out" "$n")
    (( $(bytes "$file") <= size * 512 )) || die "$file does not fit partition $n"
    dd if="$file" of="$out" bs=1M seek=$((start * 512)) oflag=seek_bytes conv=notrunc,sparse status=none \
      || die "writing partition $n failed"
  done
}

# part_geometry IMAGE N — "START SIZE" in sectors of partition N.
part_geometry() {
  sfdisk -J "$1" | python3 -c '
import json, sys
n = int(sys.argv[1])
for p in json.load(sys.stdin)["partitiontable"]["partitions"]:
    if p["node"].endswith(str(n)) and p["node"][len(sys.argv[2]):] == str(n):
        print(p["start"], p["size"]); break
else:
    sys.exit(1)' "$2" "$1" || die "no partition $2 in $1"
}
