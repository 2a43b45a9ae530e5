# shellcheck shell=bash
# sysroot.sh — assemble a private aarch64-linux-musl sysroot from Debian arm64 packages with dpkg-deb -x:
#   usr/include            musl headers + Linux UAPI headers (linux-libc-dev; libgpiod needs linux/gpio.h)
#   usr/lib                musl crt*.o and static libs
#   usr/lib/gcc/aarch64-linux-musl/<v>/   libgcc.a, libgcc_eh.a, crtbegin*.o/crtend*.o (libgcc-12-dev)
# clang --target=aarch64-linux-musl --sysroot=<this> finds all of it by itself; nothing on the host changes.

# sysroot_prepare DIR — (re)build DIR unless it was built from the same package versions.
# Sets SYSROOT_KEY (the versions it was built from) for the callers' stamps.
sysroot_prepare() {
  local dir=$1
  local musl libgcc uapi
  musl=$(deb_resolve bin musl-dev "$MUSL_DEB_VERSION")
  libgcc=$(deb_resolve bin "$LIBGCC_DEB_PACKAGE" "$LIBGCC_DEB_VERSION")
  uapi=$(deb_resolve bin linux-libc-dev "$LINUX_LIBC_DEV_DEB_VERSION")
  SYSROOT_KEY="musl-dev=$musl $LIBGCC_DEB_PACKAGE=$libgcc linux-libc-dev=$uapi"
  if stamp_ok sysroot "$dir $SYSROOT_KEY" && [[ -f $dir/usr/lib/libc.a ]]; then
    return 0
  fi
  log "sysroot $dir ($SYSROOT_KEY)"
  local x=$CACHE/debs/x
  rm -rf "$x" "$dir"
  mkdir -p "$x" "$dir/usr/include" "$dir/usr/lib"
  dpkg-deb -x "$(deb_fetch musl-dev "$musl")" "$x/musl-dev"
  dpkg-deb -x "$(deb_fetch "$LIBGCC_DEB_PACKAGE" "$libgcc")" "$x/$LIBGCC_DEB_PACKAGE"
  dpkg-deb -x "$(deb_fetch linux-libc-dev "$uapi")" "$x/linux-libc-dev"

  # musl: headers and libraries from their Debian multiarch dirs into a plain sysroot layout.
  cp -a "$x/musl-dev/usr/include/$TARGET/." "$dir/usr/include/"
  cp -a "$x/musl-dev/usr/lib/$TARGET/." "$dir/usr/lib/"
  rm -f "$dir/usr/lib/musl-gcc.specs"

  # Linux UAPI headers: arch-independent dirs as they are, the arm64 asm/ from the multiarch dir.
  local d
  for d in "$x/linux-libc-dev/usr/include/"*/; do
    d=${d%/}
    case ${d##*/} in
      *-linux-gnu) cp -a "$d/asm" "$dir/usr/include/asm" ;;
      *) cp -a "$d" "$dir/usr/include/" ;;
    esac
  done

  # libgcc: builtins (__aarch64_* outline atomics, soft-float helpers) and crtbegin/crtend.
  local gccver gccdst
  gccver=$(find "$x/$LIBGCC_DEB_PACKAGE/usr/lib/gcc/aarch64-linux-gnu" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n1)
  [[ -n $gccver ]] || die "$LIBGCC_DEB_PACKAGE has no usr/lib/gcc/aarch64-linux-gnu/<version>"
  gccdst=$dir/usr/lib/gcc/$TARGET/$gccver
  mkdir -p "$gccdst"
  cp -a "$x/$LIBGCC_DEB_PACKAGE/usr/lib/gcc/aarch64-linux-gnu/$gccver/"{libgcc.a,libgcc_eh.a,crt*.o} "$gccdst/"

  rm -rf "$x"
  stamp_set sysroot "$dir $SYSROOT_KEY"
}
