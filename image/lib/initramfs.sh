# shellcheck shell=bash
# initramfs.sh — the slot's initramfs: busybox, the disk tools the first boot needs (sfdisk, mke2fs, e2fsck,
# resize2fs, dumpe2fs, fsck.fat) with their shared libraries, the storage modules, and image/initramfs/init.
# A newc cpio, sorted, every file owned by root with the build time as mtime, compressed with zstd -9 (-19 saves 0.6 MiB of 5 and takes 15 times as long).

INITRAMFS_TOOLS="sbin/sfdisk sbin/mke2fs sbin/e2fsck sbin/resize2fs sbin/dumpe2fs sbin/fsck.fat"

# elf_needs FILE — the shared libraries FILE needs (DT_NEEDED) and its program interpreter, one per line.
elf_needs() {
  readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
  readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p'
}

# lib_path NAME — where NAME (a soname, or an absolute interpreter path) is in $ROOTFS, relative to it.
lib_path() {
  local name=$1 dir
  if [[ $name == /* ]]; then
    [[ -e $ROOTFS$name ]] && { printf '%s\n' "${name#/}"; return 0; }
    return 1
  fi
  for dir in lib/$TRIPLET usr/lib/$TRIPLET lib usr/lib; do
    [[ -e $ROOTFS/$dir/$name ]] && { printf '%s\n' "$dir/$name"; return 0; }
  done
  return 1
}

# initramfs_build OUT — build the compressed initramfs into OUT.
initramfs_build() {
  local out=$1 dir=$WORK/initramfs tool lib rel
  rm -rf "$dir" && mkdir -p "$dir"/{bin,sbin,dev,proc,sys,data,newroot,bootsel,etc,tmp,run}
  cp "$ROOTFS/bin/busybox" "$dir/bin/busybox"
  busybox --list-full | while read -r applet; do
    [[ -e $dir/$applet ]] && continue
    mkdir -p "$dir/$(dirname "$applet")"
    ln -s /bin/busybox "$dir/$applet"
  done
  # The disk tools and, transitively, their libraries, copied from the root filesystem (same Debian packages).
  local -a queue=() seen=()
  for tool in $INITRAMFS_TOOLS; do
    [[ -f $ROOTFS/$tool ]] || die "initramfs tool /$tool is not in the root filesystem"
    rm -f "$dir/$tool"
    cp -L "$ROOTFS/$tool" "$dir/$tool"
    queue+=("$ROOTFS/$tool")
  done
  while (( ${#queue[@]} )); do
    local file=${queue[0]}; queue=("${queue[@]:1}")
    while read -r lib; do
      [[ -n $lib ]] || continue
      [[ " ${seen[*]} " == *" $lib "* ]] && continue
      seen+=("$lib")
      rel=$(lib_path "$lib") || die "initramfs: $(basename "$file") needs $lib, which is not in the root filesystem"
      mkdir -p "$dir/$(dirname "$rel")"
      cp -L "$ROOTFS/$rel" "$dir/$rel"
      queue+=("$ROOTFS/$rel")
    done < <(elf_needs "$file")
  done
  # The interpreter is named by absolute path; make sure its directory layout (lib64 on x86_64) exists.
  kernel_install_modules "$dir" $INITRAMFS_MODULES
  # Loaded first by name; the globbed ones (board support) load when a device asks for them (modalias).
  printf '%s\n' $INITRAMFS_MODULES | grep -v '[*]' >"$dir/etc/initramfs-modules"
  install -m 0755 "$IMAGE_DIR/initramfs/init" "$dir/init"
  touch_tree "$dir"
  (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
    | zstd -q -9 -T1 >"$out" || die "cpio/zstd of the initramfs failed"
  note "initramfs $(( $(bytes "$out") / 1024 )) KiB ($(find "$dir" -type f | wc -l) files)"
}
