#!/usr/bin/env bash
# Fetches the mshv UAPI header for the layout tests: fetch-uapi-header.sh OUT
#
# linux/mshv.h (the /dev/mshv interface) is in Debian's linux-libc-dev from the unstable suite;
# bookworm's is too old to have it. The package is downloaded with `apt-get download` through a
# private sources list, list and cache directory under OUT (the host's apt state is neither read
# nor changed), checked against the SHA-256 pinned below and unpacked with `dpkg -x` into
# OUT/linux-libc-dev. Nothing is installed. Runs again only when the pin changes.
set -euo pipefail
package=linux-libc-dev
version=7.2.13-1
sha256=8b33c2a408bbab537e753102dce181dc211007f64c1e2516065bc677f60d5d99

out="$(mkdir -p "$1" && cd "$1" && pwd)"
root="$out/$package"
stamp="$root/.pinned"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$version $sha256" && -f "$root/usr/include/linux/mshv.h" ]]; then
    exit 0
fi

apt_dir="$out/apt-unstable"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian unstable main" \
    > "$apt_dir/sources.list"
apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Languages=none
)
deb="$apt_dir/debs/${package}_${version}_all.deb"
if [[ ! -f "$deb" ]] || ! echo "$sha256  $deb" | sha256sum --check --status; then
    rm -f "$deb"
    apt-get -q "${apt_options[@]}" update >/dev/null
    if ! (cd "$apt_dir/debs" && apt-get -q "${apt_options[@]}" download "$package=$version" >/dev/null); then
        echo "fetch-uapi-header.sh: Debian unstable no longer serves $package $version;" \
            "pin the version it has (apt-get download, then its sha256sum) in this script" >&2
        exit 1
    fi
fi
if ! echo "$sha256  $deb" | sha256sum --check --status; then
    echo "fetch-uapi-header.sh: $deb does not have the pinned SHA-256 $sha256" >&2
    exit 1
fi
rm -rf "$root.tmp" && mkdir -p "$root.tmp"
dpkg -x "$deb" "$root.tmp"
echo "$version $sha256" > "$root.tmp/.pinned"
rm -rf "$root" && mv "$root.tmp" "$root"
echo "mshv UAPI header: $package $version in $root"
