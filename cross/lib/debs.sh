# shellcheck shell=bash
# debs.sh — resolve pinned Debian versions and fetch arm64 binary packages through the private apt.
# apt only accepts a .deb whose size and SHA256 match the Packages index, which is covered by the
# InRelease file signed with the Debian archive key; so a fetched .deb is as trusted as the archive.

# deb_resolve KIND NAME PIN — print the version to use. PIN is exact ("1.2.3-1") or a glob ("6.1.*");
# a glob picks the highest matching version the mirror has. KIND is "bin" or "src". Fails if none match.
deb_resolve() {
  local kind=$1 name=$2 pin=$3 v
  local -a versions
  if [[ $kind == src ]]; then
    mapfile -t versions < <(apt-cache showsrc "$name" 2>/dev/null | sed -n 's/^Version: //p' | sort -u)
  else
    mapfile -t versions < <(apt-cache madison "$name" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u)
  fi
  local best=""
  for v in "${versions[@]}"; do
    # shellcheck disable=SC2053  # glob match on purpose
    if [[ $v == $pin ]] && { [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; }; then best=$v; fi
  done
  if [[ -z $best ]]; then
    die "$name: no version matching '$pin' on the mirror (it has: ${versions[*]:-none}). Update cross/versions.env" \
        "(indexes are refreshed once a day; RILL_CROSS_APT_MAX_AGE=0 refreshes them now)."
  fi
  printf '%s\n' "$best"
}

# deb_fetch NAME VERSION — download NAME:arm64=VERSION into $CACHE/debs and print the .deb path.
deb_fetch() {
  local name=$1 version=$2 dir=$CACHE/debs
  local file="$dir/${name}_${version/*:/}_arm64.deb"
  mkdir -p "$dir"
  if [[ ! -s $file ]]; then
    note "download $name:arm64=$version"
    (cd "$dir" && apt-get -q download "$name:arm64=$version" >/dev/null) || die "apt-get download $name:arm64=$version failed"
  fi
  [[ -s $file ]] || die "expected $file after download"
  printf '%s\n' "$file"
}
