# shellcheck shell=bash
# sdk.sh — what cross/versions.env says about the Swift Static Linux SDK (printed by cross/clibs; cross/build
# prints the same facts when no SDK is installed).

# sdk_describe — print the SDK that matches the toolchain and how to install it; says so when the checksum
# is not known yet (it cannot be fetched from this project's build machines and must never be guessed).
sdk_describe() {
  note "Static Linux SDK for Swift $SWIFT_VERSION: $SWIFT_STATIC_SDK_ID (target $SWIFT_STATIC_SDK_TRIPLE)"
  note "  url:      $SWIFT_STATIC_SDK_URL"
  if [[ -n ${SWIFT_STATIC_SDK_CHECKSUM:-} ]]; then
    note "  checksum: $SWIFT_STATIC_SDK_CHECKSUM"
    note "  install:  swift sdk install $SWIFT_STATIC_SDK_URL --checksum $SWIFT_STATIC_SDK_CHECKSUM"
  else
    note "  checksum: UNKNOWN — not yet filled in (SWIFT_STATIC_SDK_CHECKSUM in cross/versions.env); take the"
    note "            SHA-256 published with the download on swift.org, never a guessed or self-computed one"
  fi
}
