# shellcheck shell=bash
# libgpiod.sh — libgpiod.a 1.6.x (v1 API; library and gpiod.h only) from Debian's libgpiod source.
# Debian's patch touches configure.ac and man/Makefile.am, so, like Debian (dh_autoreconf), regenerate the
# build system first: autoconf, automake, libtool and autoconf-archive (AX_* macros) on the build machine.
# linux/gpio.h comes from the sysroot (linux-libc-dev UAPI headers, see sysroot.sh).

# build_libgpiod SRC BUILD PREFIX
build_libgpiod() {
  local src=$1 build=$2 prefix=$3
  command -v autoreconf >/dev/null || die "libgpiod: autoreconf is needed (apt-get install autoconf automake libtool autoconf-archive)"
  rm -rf "$build" && mkdir -p "$build"
  (cd "$src" && autoreconf -fi >"$build/autoreconf.log" 2>&1) \
    || { tail -n 40 "$build/autoreconf.log" >&2; die "libgpiod: autoreconf failed"; }
  # ac_cv_func_malloc_0_nonnull: AC_FUNC_MALLOC cannot run its test when cross-compiling and would
  # otherwise substitute rpl_malloc; musl's malloc(0) returns a unique pointer.
  (cd "$build" && CFLAGS="$CROSS_CFLAGS" ac_cv_func_malloc_0_nonnull=yes "$src/configure" --host="$TARGET" --prefix="$prefix" --libdir="$prefix/lib" \
      --enable-static --disable-shared --disable-tools --disable-tests \
      --disable-bindings-cxx --disable-bindings-python >configure.log 2>&1) \
    || { tail -n 40 "$build/configure.log" >&2; die "libgpiod: configure failed"; }
  (cd "$build" && make -j"$JOBS" -C lib >make.log 2>&1 && make -C lib install >install.log 2>&1 \
      && make -C include install >>install.log 2>&1) \
    || { tail -n 40 "$build"/{make,install}.log >&2; die "libgpiod: build failed"; }
  rm -f "$prefix/lib/libgpiod.la"
}
