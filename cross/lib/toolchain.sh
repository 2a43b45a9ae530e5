# shellcheck shell=bash disable=SC2034  # CROSS_CFLAGS and TOOLCHAIN_KEY are used by cross/clibs and lib/*.sh
# toolchain.sh — the Swift toolchain's clang/lld/llvm tools as aarch64-linux-musl cross tools.
# Writes tiny wrapper scripts into $CACHE/bin so autotools and meson see ordinary "CC", "AR", ... commands.

# toolchain_setup SYSROOT — find the tools, write the wrappers, export CC/AR/RANLIB/STRIP and PATH.
toolchain_setup() {
  local sysroot=$1
  local llvm=${RILL_LLVM_BIN:-}
  if [[ -z $llvm ]]; then
    local swift
    swift=$(command -v swift 2>/dev/null || true)
    if [[ -n $swift ]]; then llvm=$(dirname "$(readlink -f "$swift")"); else llvm=/opt/swift/usr/bin; fi
  fi
  local t
  for t in clang ld.lld llvm-ar llvm-ranlib llvm-nm llvm-objcopy; do
    [[ -x $llvm/$t ]] || die "$llvm/$t not found (set RILL_LLVM_BIN to the Swift toolchain's usr/bin)"
  done

  # The private sysroot carries libgcc (see sysroot.sh); a Static Linux SDK sysroot carries compiler-rt.
  local rtlib=${RILL_CROSS_RTLIB:-libgcc} extra=${RILL_CROSS_CLANG_FLAGS:-}
  local bin=$CACHE/bin
  mkdir -p "$bin"
  # --no-default-config: the toolchain ships *-swift-linux-musl-clang.cfg files meant for the Static Linux SDK.
  # -static: everything here is linked statically (there is no libc.so or libgcc_s in the sysroot), so also
  # configure/meson link probes must link statically. -Qunused-arguments: with -c, -static and -fuse-ld
  # would warn, and probes that use -Werror would then fail for the wrong reason.
  cat >"$bin/$TARGET-cc.new" <<W
#!/bin/sh
exec "$llvm/clang" --no-default-config --target=$TARGET --sysroot="$sysroot" -static -fuse-ld=lld -rtlib=$rtlib -Qunused-arguments $extra "\$@"
W
  chmod +x "$bin/$TARGET-cc.new" && mv "$bin/$TARGET-cc.new" "$bin/$TARGET-cc"
  ln -sf "$llvm/llvm-ar" "$bin/$TARGET-ar"
  ln -sf "$llvm/llvm-ranlib" "$bin/$TARGET-ranlib"
  ln -sf "$llvm/llvm-nm" "$bin/$TARGET-nm"
  ln -sf "$llvm/llvm-objcopy" "$bin/$TARGET-strip"   # llvm-objcopy acts as strip when called *strip
  ln -sf "$llvm/llvm-objcopy" "$bin/$TARGET-objcopy"

  export PATH=$bin:$PATH
  export CC=$TARGET-cc AR=$TARGET-ar RANLIB=$TARGET-ranlib NM=$TARGET-nm STRIP=$TARGET-strip
  CROSS_CFLAGS="-O2 -g0 -fPIC -ffunction-sections -fdata-sections"
  TOOLCHAIN_KEY="$("$llvm/clang" --version | head -n1) rtlib=$rtlib $extra"
}
