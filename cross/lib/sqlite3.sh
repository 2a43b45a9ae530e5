# shellcheck shell=bash
# sqlite3.sh — libsqlite3.a for the target from Debian's sqlite3 source (upstream tree + Debian patches).
# The amalgamation (sqlite3.c) is generated on the build machine (needs tclsh and a host cc), then compiled
# once for the target with the options below. No configure run for the target: the options are explicit.

SQLITE3_OPTIONS=(
  -DSQLITE_THREADSAFE=1            # serialized mode; the daemon uses connections from several threads
  -DSQLITE_OMIT_LOAD_EXTENSION=1   # static binary, no dlopen
  -DSQLITE_DQS=0                   # string literals only in single quotes (recommended by upstream)
  -DSQLITE_DEFAULT_MEMSTATUS=0
  -DSQLITE_DEFAULT_WAL_SYNCHRONOUS=1   # synchronous=NORMAL in WAL mode (DESIGN: durability)
  -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
  -DHAVE_USLEEP=1 -DHAVE_FDATASYNC=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1 -DHAVE_STRCHRNUL=1
)

# build_sqlite3 SRC BUILD PREFIX
build_sqlite3() {
  local src=$1 build=$2 prefix=$3
  local host_cc=${HOST_CC:-cc}
  command -v "$host_cc" >/dev/null || die "sqlite3: a host C compiler ($host_cc) is needed to generate the amalgamation"
  command -v tclsh >/dev/null || die "sqlite3: tclsh is needed to generate the amalgamation (apt-get install tcl)"
  rm -rf "$build" && mkdir -p "$build/host"
  # Host configure only to get the Makefile that generates sqlite3.c/sqlite3.h; nothing from it is shipped.
  (cd "$build/host" && CC=$host_cc CFLAGS=-O1 "$src/configure" --disable-tcl --disable-readline \
      --disable-load-extension >configure.log 2>&1) || { tail -n 30 "$build/host/configure.log" >&2; die "sqlite3 host configure failed"; }
  (cd "$build/host" && env -u CC -u AR -u RANLIB make -j"$JOBS" sqlite3.c sqlite3.h >make.log 2>&1) \
    || { tail -n 30 "$build/host/make.log" >&2; die "sqlite3: generating the amalgamation failed"; }

  # shellcheck disable=SC2086  # CROSS_CFLAGS is a word list
  "$CC" $CROSS_CFLAGS "${SQLITE3_OPTIONS[@]}" -c "$build/host/sqlite3.c" -o "$build/sqlite3.o"
  rm -f "$build/libsqlite3.a"
  "$AR" rcs "$build/libsqlite3.a" "$build/sqlite3.o"

  local version
  version=$(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$build/host/sqlite3.h")
  install -D -m 644 "$build/libsqlite3.a" "$prefix/lib/libsqlite3.a"
  install -D -m 644 "$build/host/sqlite3.h" "$prefix/include/sqlite3.h"
  install -D -m 644 "$src/src/sqlite3ext.h" "$prefix/include/sqlite3ext.h"
  mkdir -p "$prefix/lib/pkgconfig"
  cat >"$prefix/lib/pkgconfig/sqlite3.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (static, $TARGET)
Version: $version
Libs: -L\${libdir} -lsqlite3
Libs.private: -lm -lpthread
Cflags: -I\${includedir}
PC
}
