# shellcheck shell=bash
# fuse3.sh — libfuse3.a (library and headers only) from Debian's fuse3 source, with meson + ninja.
# No fusermount3, no udev rules, no examples or tests. Mounting from a static binary works as root
# (mount(2) directly); unprivileged mounts exec fusermount3, which libfuse looks for in <prefix>/bin — so it
# is configured for the device's prefix /usr, staged with DESTDIR, and only then copied to PREFIX.

# build_fuse3 SRC BUILD PREFIX
build_fuse3() {
  local src=$1 build=$2 prefix=$3
  command -v meson >/dev/null || die "fuse3: meson is needed (apt-get install meson ninja-build)"
  rm -rf "$build" && mkdir -p "$build"
  # shellcheck disable=SC2086  # CROSS_CFLAGS is a word list
  cat >"$build/cross.ini" <<INI
[binaries]
c = '$(command -v "$CC")'
ar = '$(command -v "$AR")'
strip = '$(command -v "$STRIP")'
pkg-config = 'false'

[built-in options]
c_args = [$(printf "'%s', " $CROSS_CFLAGS)]

[properties]
needs_exe_wrapper = true

[host_machine]
system = 'linux'
cpu_family = 'aarch64'
cpu = 'cortex-a53'
endian = 'little'
INI
  (cd "$build" && meson setup --cross-file cross.ini --prefix /usr --libdir lib \
      --default-library static --buildtype release -Db_staticpic=true \
      -Dutils=false -Dexamples=false -Dtests=false -Dinitscriptdir= -Duseroot=false \
      obj "$src" >setup.log 2>&1) || { tail -n 40 "$build/setup.log" >&2; die "fuse3: meson setup failed"; }
  (cd "$build" && ninja -C obj -j "$JOBS" >ninja.log 2>&1 \
      && meson install -C obj --no-rebuild --destdir "$build/stage" >install.log 2>&1) \
    || { tail -n 40 "$build"/{ninja,install}.log >&2; die "fuse3: build failed"; }
  local stage=$build/stage/usr
  install -D -m 644 "$stage/lib/libfuse3.a" "$prefix/lib/libfuse3.a"
  mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
  rm -rf "$prefix/include/fuse3" && cp -a "$stage/include/fuse3" "$prefix/include/"
  sed "s|^prefix=.*|prefix=$prefix|" "$stage/lib/pkgconfig/fuse3.pc" >"$prefix/lib/pkgconfig/fuse3.pc"
}
