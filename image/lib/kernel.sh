# shellcheck shell=bash
# kernel.sh — the Debian kernel package unpacked on its own (no initramfs-tools, no hooks), cut down to the
# modules a board lists (plus their dependencies from modules.dep), with the device trees the board names.

# kernel_unpack — unpack $KERNEL_PACKAGE's versioned package into $WORK/kernel; sets KVER, KERNEL_IMAGE, KERNEL_DEB.
kernel_unpack() {
  local pkg
  pkg=$(apt_depends_on "$KERNEL_PACKAGE" '^linux-image-[0-9]') || true
  [[ -n $pkg ]] || die "cannot resolve $KERNEL_PACKAGE to a versioned kernel package"
  KERNEL_DEB=$(apt_fetch "$pkg")
  rm -rf "$WORK/kernel" && mkdir -p "$WORK/kernel"
  dpkg-deb -x "$KERNEL_DEB" "$WORK/kernel"
  KVER=${pkg#linux-image-}
  KERNEL_IMAGE=$WORK/kernel/boot/vmlinuz-$KVER
  [[ -f $KERNEL_IMAGE && -d $WORK/kernel/lib/modules/$KVER ]] || die "$pkg has no vmlinuz-$KVER or modules"
  depmod -b "$WORK/kernel" "$KVER" || die "depmod on the unpacked kernel failed"
  note "kernel $pkg ($(apt_candidate "$pkg"))"
}

# kernel_module_closure NAME... — print the module files (paths relative to lib/modules/KVER) for NAMEs and
# everything they depend on, sorted. A NAME with a '*' is a glob on the module's path (e.g. '*raspberrypi*'),
# which must match at least one module. A name that is neither a module nor built in is an error.
kernel_module_closure() {
  local moddir=$WORK/kernel/lib/modules/$KVER
  awk -v want="$*" -v builtin_file="$moddir/modules.builtin" '
    function norm(s) { sub(/.*\//, "", s); sub(/\.ko(\.[a-z]+)?$/, "", s); gsub(/-/, "_", s); return s }
    BEGIN {
      while ((getline line < builtin_file) > 0) builtin[norm(line)] = 1
    }
    {
      path = $1; sub(/:$/, "", path)
      name = norm(path); file[name] = path
      deps[name] = ""
      for (i = 2; i <= NF; i++) deps[name] = deps[name] " " norm($i)
    }
    function add(n,   parts, k, count) {
      if (n in seen) return
      seen[n] = 1
      if (!(n in file)) return
      out[file[n]] = 1
      count = split(deps[n], parts, " ")
      for (k = 1; k <= count; k++) add(parts[k])
    }
    END {
      count = split(want, wanted, " ")
      for (k = 1; k <= count; k++) {
        if (wanted[k] ~ /\*/) {
          re = wanted[k]; gsub(/\./, "\\.", re); gsub(/\*/, ".*", re); re = "^" re "$"
          hit = 0
          for (n in file) if (file[n] ~ re) { add(n); hit = 1 }
          if (!hit) { print "no module matches " wanted[k] > "/dev/stderr"; bad = 1 }
          continue
        }
        n = norm(wanted[k])
        if (!(n in file) && !(n in builtin)) { print "missing " wanted[k] > "/dev/stderr"; bad = 1; continue }
        add(n)
      }
      for (p in out) print p
      exit bad
    }' "$moddir/modules.dep" | LC_ALL=C sort
}

# kernel_install_modules DEST NAME... — copy the closure of NAMEs into DEST/lib/modules/KVER and run depmod there.
kernel_install_modules() {
  local dest=$1; shift
  local src=$WORK/kernel/lib/modules/$KVER dst=$dest/lib/modules/$KVER list
  list=$(kernel_module_closure "$@") || die "modules missing from kernel $KVER (see above)"
  mkdir -p "$dst"
  (cd "$src" && printf '%s\n' "$list" | cpio -pdm --quiet "$dst") || die "copying modules failed"
  cp "$src/modules.builtin" "$src/modules.builtin.modinfo" "$src/modules.order" "$dst/"
  depmod -b "$dest" "$KVER" || die "depmod in $dest failed"
  # depmod's binary indexes are not needed by busybox modprobe and kmod rebuilds nothing at run time.
  rm -f "$dst"/modules.*.bin "$dst/modules.devname"
}
