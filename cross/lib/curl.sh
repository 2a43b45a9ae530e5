# shellcheck shell=bash
# curl.sh — a minimal static libcurl for the host (x86_64-linux-gnu) from Debian's curl source, for the fully
# static x86_64 rill (cross/static-x86_64). Debian's own libcurl.a is built with GSSAPI (Kerberos), LDAP,
# libssh2, librtmp, nghttp2, libidn2, libpsl, brotli and zstd, so a static link would drag all of those in.
#
# What this libcurl has: HTTP and HTTPS (OpenSSL, linked statically from Debian's libssl-dev), zlib for
# gzip/deflate (rill sends Accept-Encoding), IPv6, the threaded resolver and proxy support (rill sets
# CURLOPT_PROXY "" to ignore the environment; without proxy support that option fails). Nothing else: no
# other protocols, no Kerberos/GSSAPI, no LDAP, no IDN, no PSL, no brotli, no zstd, no nghttp2, no cookies,
# no NTLM, no netrc, no alt-svc/HSTS caches, no openssl.cnf auto-loading.
#
# Debian's series ends with 90_gnutls.patch and 99_nss.patch, which rename the library for the GnuTLS and
# NSS flavours; debian/rules pops both before building the OpenSSL flavour, and so does this. Debian's
# patches touch configure.ac and Makefile.am, so the build system is regenerated (autoreconf), as Debian does.

CURL_CONFIGURE_OPTIONS=(
  --disable-shared --enable-static --with-pic
  --disable-dependency-tracking --disable-silent-rules
  --enable-http --enable-ipv6 --enable-threaded-resolver --enable-proxy
  --with-openssl --disable-openssl-auto-load-config
  --with-zlib
  --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs
  --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp
  --disable-gopher --disable-mqtt --disable-websockets
  --disable-manual --disable-libcurl-option
  --disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-crypto-auth
  --disable-cookies --disable-netrc --disable-alt-svc --disable-hsts --disable-doh --disable-mime
  --disable-unix-sockets --disable-dnsshuffle
  --without-gssapi --without-libidn2 --without-libpsl --without-brotli --without-zstd
  --without-nghttp2 --without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3
  --without-libssh2 --without-libssh --without-wolfssh --without-librtmp --without-libgsasl
  --without-hyper --without-zsh-functions-dir --without-fish-functions-dir
)

# build_curl SRC BUILD PREFIX — configure, build and install lib/libcurl.a + include/curl into PREFIX.
build_curl() {
  local src=$1 build=$2 prefix=$3
  local host_cc=${HOST_CC:-cc}
  command -v autoreconf >/dev/null || die "curl: autoreconf is needed (apt-get install autoconf automake libtool)"
  [[ -f /usr/include/openssl/ssl.h && -f /usr/lib/x86_64-linux-gnu/libssl.a ]] \
    || die "curl: OpenSSL headers and libssl.a are needed (apt-get install libssl-dev)"
  [[ -f /usr/lib/x86_64-linux-gnu/libz.a ]] || die "curl: libz.a is needed (apt-get install zlib1g-dev)"
  rm -rf "$build" && mkdir -p "$build"

  # The OpenSSL flavour of the source: undo the last two patches of the series, like debian/rules does.
  local p
  for p in 99_nss.patch 90_gnutls.patch; do
    if [[ ! -f $src/.rill-unpatched-$p ]]; then
      patch -d "$src" -R -p1 -s -f <"$src/debian/patches/$p" >"$build/unpatch-$p.log" 2>&1 \
        || { cat "$build/unpatch-$p.log" >&2; die "curl: reverting $p failed"; }
      touch "$src/.rill-unpatched-$p"
    fi
  done
  grep -q '^lib_LTLIBRARIES = libcurl.la' "$src/lib/Makefile.am" \
    || die "curl: lib/Makefile.am does not build libcurl.la after reverting the GnuTLS/NSS patches"

  (cd "$src" && autoreconf -fi >"$build/autoreconf.log" 2>&1) \
    || { tail -n 40 "$build/autoreconf.log" >&2; die "curl: autoreconf failed"; }
  (cd "$build" && CC=$host_cc CFLAGS="-O2 -g0 -ffunction-sections -fdata-sections" \
      "$src/configure" --prefix="$prefix" --libdir="$prefix/lib" "${CURL_CONFIGURE_OPTIONS[@]}" \
      >configure.log 2>&1) || { tail -n 40 "$build/configure.log" >&2; die "curl: configure failed"; }
  # configure must not have found anything we asked it to leave out (it links what it finds).
  local features
  features=$(sed -n 's/^SUPPORT_FEATURES *= *//p' "$build/Makefile")
  note "curl features: $features"
  note "curl protocols: $(sed -n 's/^SUPPORT_PROTOCOLS *= *//p' "$build/Makefile")"
  local bad
  for bad in GSS-API Kerberos SPNEGO IDN PSL brotli zstd HTTP2 HTTP3 NTLM; do
    [[ " $features " == *" $bad "* ]] && die "curl: configure enabled $bad, which this build must not have"
  done
  (cd "$build" && make -j"$JOBS" -C lib >make.log 2>&1 && make -C lib install >install.log 2>&1 \
      && make -C include install >>install.log 2>&1 && make install-pkgconfigDATA >>install.log 2>&1) \
    || { tail -n 40 "$build"/{make,install}.log >&2; die "curl: build failed"; }
  rm -f "$prefix/lib/libcurl.la"
}
