#!/usr/bin/env bash
# Builds a runtime image from Debian packages: build-image.sh NAME OUT
#
# Reads NAME.packages next to this script (one package a line, "@other" includes
# other.packages), downloads each package with `apt-get download` into OUT/debs (kept as a
# cache), unpacks them with `dpkg -x` into OUT/NAME/root and records what was used, package
# name, version and SHA-256 of the .deb, in OUT/NAME/packages.lock. Nothing is installed on the
# host and no maintainer script runs. The image is rebuilt only when the package list changes.
# Set DEBIAN_VERSIONS_FROM=FILE (a packages.lock) to download exactly the versions it names.
set -euo pipefail
name="$1"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

packages() {
    local list="$here/$1.packages"
    [[ -f "$list" ]] || { echo "build-image.sh: no package list $list" >&2; exit 1; }
    while read -r line; do
        line="${line%%#*}"
        line="${line//[[:space:]]/}"
        [[ -z "$line" ]] && continue
        if [[ "$line" == @* ]]; then packages "${line#@}"; else echo "$line"; fi
    done < "$list"
}

# The guest's accounts: root and the sandbox's user (uid/gid 1000, as the guest kernel reports
# them: guest-kernel/src/proc/process.rs USER_ID/GROUP_ID), whose home is the default HOME, /tmp, so
# that pwd.getpwuid(os.getuid()) and "~" work. No maintainer script runs to create them.
write_accounts() {
    mkdir -p "$1/etc"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'sandbox:x:1000:1000:sandbox:/tmp:/bin/sh' > "$1/etc/passwd"
    printf '%s\n' 'root:x:0:' 'sandbox:x:1000:' > "$1/etc/group"
    chmod 644 "$1/etc/passwd" "$1/etc/group"
}

wanted="$(packages "$name" | sort -u)"
image="$out/$name"
stamp="$image/packages.list"
if [[ -f "$stamp" && -f "$image/packages.lock" && "$(cat "$stamp")" == "$wanted" ]]; then
    # An image built before the accounts existed gets them without unpacking again.
    [[ -f "$image/root/etc/group" ]] || write_accounts "$image/root"
    exit 0
fi

# A fresh machine may have no package lists, or old ones whose versions the archive no longer
# serves: refresh them once (as root) and try again before giving up.
lists_refreshed=""
refresh_lists() {
    [[ -z "$lists_refreshed" && "$(id -u)" == 0 ]] || return 1
    echo "build-image.sh: refreshing the package lists (apt-get update)" >&2
    apt-get update -q >/dev/null
    lists_refreshed=yes
}

candidate() {
    apt-cache policy "$1" | awk '/Candidate:/ { print $2 }'
}

debs="$out/debs"
mkdir -p "$debs"
rm -rf "$image.tmp" && mkdir -p "$image.tmp/root"
: > "$image.tmp/packages.lock"
for package in $wanted; do
    version=""
    if [[ -n "${DEBIAN_VERSIONS_FROM:-}" ]]; then
        version="$(awk -v p="$package" '$1 == p { print $2 }' "$DEBIAN_VERSIONS_FROM")"
    fi
    if [[ -z "$version" ]]; then
        version="$(candidate "$package")"
        if [[ -z "$version" || "$version" == "(none)" ]] && refresh_lists; then
            version="$(candidate "$package")"
        fi
    fi
    if [[ -z "$version" || "$version" == "(none)" ]]; then
        echo "build-image.sh: package $package is unknown to apt (run apt-get update once)" >&2
        exit 1
    fi
    deb="$(ls "$debs/${package}_${version//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)"
    if [[ -z "$deb" ]]; then
        if ! (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$package=$version" >/dev/null); then
            refresh_lists || { echo "build-image.sh: cannot download $package=$version" >&2; exit 1; }
            if [[ -z "${DEBIAN_VERSIONS_FROM:-}" ]]; then
                version="$(candidate "$package")"
            fi
            (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$package=$version" >/dev/null)
        fi
        deb="$(ls "$debs/${package}_${version//:/%3a}_"*.deb | head -n1)"
    fi
    dpkg -x "$deb" "$image.tmp/root"
    echo "$package $version $(sha256sum "$deb" | cut -d' ' -f1)" >> "$image.tmp/packages.lock"
done
# Debian's python3 package only adds this link; the image carries the interpreter alone.
if [[ -e "$image.tmp/root/usr/bin/python3.11" ]]; then
    ln -sf python3.11 "$image.tmp/root/usr/bin/python3"
fi
write_accounts "$image.tmp/root"
echo "$wanted" > "$image.tmp/packages.list"
# The image is served read-only; keep its files readable to the host user running VMs.
chmod -R u+rwX,go+rX "$image.tmp/root"
rm -rf "$image" && mv "$image.tmp" "$image"
echo "runtime image $name: $(wc -l < "$image/packages.lock") packages in $image/root"
