# shellcheck shell=bash
# source.sh — fetch a Debian source package through the private apt and unpack it with Debian's patches.
#
# How the sources are verified, in order:
#  1. apt-get update checks each suite's InRelease against /usr/share/keyrings/debian-archive-keyring.gpg
#     (the archive signing keys), and the Sources index against the hashes in InRelease.
#  2. apt-get source --download-only checks the .dsc, .orig and .debian tarballs against the SHA256 and size
#     in that Sources index. Steps 1+2 alone already tie every byte to the archive signature.
#  3. The .dsc's own OpenPGP signature (the uploader's) is checked with gpgv against the Debian developer
#     keyrings from the debian-keyring package, and dpkg-source --require-valid-signature re-checks it
#     and checks every tarball against the hashes in the .dsc while unpacking.
# RILL_CROSS_DSC_SIGNATURE=skip drops step 3 (e.g. a machine without debian-keyring); steps 1-2 still hold.

DEBIAN_KEYRINGS=(/usr/share/keyrings/debian-keyring.gpg /usr/share/keyrings/debian-maintainers.gpg
                 /usr/share/keyrings/debian-nonupload.gpg)

# source_dsc_check DSC — print the uploader whose signature is on DSC, or fail.
source_dsc_check() {
  local dsc=$1 k out
  local -a args=()
  for k in "${DEBIAN_KEYRINGS[@]}"; do [[ -r $k ]] && args+=(--keyring "$k"); done
  if [[ ${RILL_CROSS_DSC_SIGNATURE:-check} == skip ]]; then
    note "$(basename "$dsc"): uploader signature NOT checked (RILL_CROSS_DSC_SIGNATURE=skip); relying on the apt chain"
    return 0
  fi
  (( ${#args[@]} )) || die "no Debian developer keyring to check $(basename "$dsc") (apt-get install debian-keyring, or RILL_CROSS_DSC_SIGNATURE=skip)"
  out=$(gpgv "${args[@]}" "$dsc" 2>&1) || die "bad or unknown OpenPGP signature on $dsc:
$out"
  note "$(basename "$dsc"): $(grep -m1 -o 'Good signature from .*' <<<"$out")"
}

# source_unpack NAME PIN DEST — fetch NAME=<resolved PIN> and unpack it (patches applied) into DEST.
# Sets SOURCE_VERSION. Skips the work when DEST already holds that version.
source_unpack() {
  local name=$1 pin=$2 dest=$3
  SOURCE_VERSION=$(deb_resolve src "$name" "$pin")
  if [[ -f $dest/.rill-source && $(cat "$dest/.rill-source") == "$name=$SOURCE_VERSION" ]]; then
    return 0
  fi
  local dl=$CACHE/src/${name}_$SOURCE_VERSION
  local dsc=$dl/${name}_${SOURCE_VERSION#*:}.dsc
  if [[ ! -f $dl/.complete ]]; then
    log "source $name=$SOURCE_VERSION"
    rm -rf "$dl" && mkdir -p "$dl"
    (cd "$dl" && apt-get -q source --download-only "$name=$SOURCE_VERSION" >/dev/null) \
      || die "apt-get source $name=$SOURCE_VERSION failed"
    touch "$dl/.complete"
  fi
  source_dsc_check "$dsc"
  local -a sig=(--require-valid-signature)
  [[ ${RILL_CROSS_DSC_SIGNATURE:-check} == skip ]] && sig=()
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")"
  dpkg-source "${sig[@]}" -x "$dsc" "$dest" >"$dl/unpack.log" 2>&1 || { cat "$dl/unpack.log" >&2; die "dpkg-source -x $dsc failed"; }
  printf '%s' "$name=$SOURCE_VERSION" >"$dest/.rill-source"
}
