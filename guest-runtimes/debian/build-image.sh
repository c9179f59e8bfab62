#!/usr/bin/env bash
# Builds a runtime image from Debian packages: build-image.sh NAME OUT
#
# Reads NAME.packages next to this script (one package a line, "@other" includes
# other.packages) and takes each package at the version NAME.lock pins, checked by the SHA-256
# the lock records. The suites are those of sources.list (the security suite included), read
# with apt state of this build's own under OUT/apt, never the machine's package lists. The
# .deb files are kept in OUT/debs, unpacked with `dpkg -x` into OUT/NAME/root (nothing is
# installed on the host, no maintainer script runs), and what went in is recorded in
# OUT/NAME/packages.lock and, with the lock, in the image's usr/share/hyperlight-nanvix/, where
# `hyperlight-nanvix doctor` compares them. The image is rebuilt only when its package list or
# its lock changes.
#
# A package the lock does not name, or at a version the suites no longer serve, is taken at the
# suites' newest version with a warning: refresh-locks.sh moves the lock forward.
set -euo pipefail
name="$1"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/apt.sh" "$out"

lock="$here/$name.lock"
[[ -f "$lock" ]] || { echo "build-image.sh: no lock $lock (make one with refresh-locks.sh $name)" >&2; exit 1; }

# The guest's accounts: root and the sandbox's user (uid/gid 1000, as the guest kernel reports
# them: guest-kernel/src/proc/process.rs USER_ID/GROUP_ID), whose home is the default HOME, /tmp, so
# that pwd.getpwuid(os.getuid()) and "~" work. No maintainer script runs to create them.
write_accounts() {
    mkdir -p "$1/etc"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'sandbox:x:1000:1000:sandbox:/tmp:/bin/sh' > "$1/etc/passwd"
    printf '%s\n' 'root:x:0:' 'sandbox:x:1000:' > "$1/etc/group"
    chmod 644 "$1/etc/passwd" "$1/etc/group"
}

# Debian's maintainer scripts byte-compile the standard library at installation; nothing here
# runs them, so without this every import in the guest compiles its module from source, each
# run (most of a warm hello.py). The image's own interpreter does it, through the image's own
# loader and libraries, so the bytecode is exactly what the guest's CPython expects. The
# .pyc files carry an unchecked hash of their source: the image is read-only, so no check of a
# source's time or hash is needed at import, and the build is reproducible (no timestamps).
compile_python_bytecode() {
    local root="$1"
    local python="$root/usr/bin/python3.11"
    local lib="$root/usr/lib/python3.11"
    [[ -x "$python" ]] || return 0
    local compile=(env -i PYTHONHASHSEED=0 "$root/lib64/ld-linux-x86-64.so.2"
        --library-path "$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu"
        "$python" -s -W ignore -m compileall -j0 --invalidation-mode unchecked-hash -s "$root" -p /)
    # CPython's own test suite holds files that must not compile (bad encodings, Python 2):
    # the library must compile whole; the tests, where the image has them, as far as they do.
    local tests='/usr/lib/python3\.11/(test|lib2to3/tests|idlelib/idle_test|tkinter/test)/'
    "${compile[@]}" -q -x "$tests" "$lib" >&2 \
        || { echo "build-image.sh: byte-compiling the image's standard library failed" >&2; exit 1; }
    "${compile[@]}" -qq "$lib" >&2 || true
}

# ca-certificates' maintainer script (update-ca-certificates) builds the bundle programs read,
# /etc/ssl/certs/ca-certificates.crt, from the certificates the package carries; nothing here
# runs it, so the same concatenation is done here, in a fixed order.
write_certificate_bundle() {
    local root="$1"
    [[ -d "$root/usr/share/ca-certificates" ]] || return 0
    mkdir -p "$root/etc/ssl/certs"
    find "$root/usr/share/ca-certificates" -name '*.crt' -type f | LC_ALL=C sort \
        | while read -r certificate; do cat "$certificate"; done > "$root/etc/ssl/certs/ca-certificates.crt"
}

wanted="$(packages "$name" | sort -u)"
image="$out/$name"
stamp="$image/packages.list"
inputs="$wanted
lock $(sha256sum "$lock" | cut -d' ' -f1)
script $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
if [[ -f "$stamp" && -f "$image/packages.lock" && "$(cat "$stamp")" == "$inputs" ]]; then
    exit 0
fi

debs="$out/debs"
mkdir -p "$debs"
rm -rf "$image.tmp" && mkdir -p "$image.tmp/root"
: > "$image.tmp/packages.lock"
behind=0
for package in $wanted; do
    read -r locked_version locked_sha < <(awk -v p="$package" '$1 == p { print $2, $3 }' "$lock") || true
    version="${locked_version:-}"
    deb=""
    if [[ -n "$version" ]]; then
        deb="$(cached_deb "$package" "$version")"
        if [[ -z "$deb" ]]; then
            lists_present || update_lists
            if ! (cd "$debs" && download "$package" "$version") \
                    && ! { update_lists && (cd "$debs" && download "$package" "$version"); }; then
                echo "build-image.sh: WARNING: the suites no longer serve $package $version, which $lock pins;" \
                     "taking their newest version (run guest-runtimes/debian/refresh-locks.sh $name)" >&2
                version=""
            fi
        fi
    else
        echo "build-image.sh: WARNING: $lock does not name $package; taking the suites' newest version" \
             "(run guest-runtimes/debian/refresh-locks.sh $name)" >&2
    fi
    if [[ -z "$version" ]]; then
        lists_present || update_lists
        version="$(candidate "$package")"
        [[ -n "$version" ]] || { echo "build-image.sh: the suites of $here/sources.list have no $package" >&2; exit 1; }
        behind=$((behind + 1))
    fi
    deb="$(cached_deb "$package" "$version")"
    if [[ -z "$deb" ]]; then
        (cd "$debs" && download "$package" "$version") || {
            echo "build-image.sh: cannot download $package $version" >&2; exit 1; }
        deb="$(cached_deb "$package" "$version")"
    fi
    sha="$(sha256sum "$deb" | cut -d' ' -f1)"
    if [[ "$version" == "${locked_version:-}" && "$sha" != "$locked_sha" ]]; then
        echo "build-image.sh: $deb has SHA-256 $sha, but $lock pins $locked_sha: refusing it" >&2
        exit 1
    fi
    dpkg -x "$deb" "$image.tmp/root"
    echo "$package $version $sha" >> "$image.tmp/packages.lock"
done
# Debian's python3 package only adds this link; the image carries the interpreter alone.
if [[ -e "$image.tmp/root/usr/bin/python3.11" ]]; then
    ln -sf python3.11 "$image.tmp/root/usr/bin/python3"
fi
write_accounts "$image.tmp/root"
write_certificate_bundle "$image.tmp/root"
compile_python_bytecode "$image.tmp/root"
# What went in and what the lock pins, for doctor (RuntimeImages.lockProblem).
mkdir -p "$image.tmp/root/usr/share/hyperlight-nanvix"
cp "$image.tmp/packages.lock" "$image.tmp/root/usr/share/hyperlight-nanvix/packages.built"
grep -v '^#' "$lock" > "$image.tmp/root/usr/share/hyperlight-nanvix/packages.lock"
echo "$inputs" > "$image.tmp/packages.list"
# The image is served read-only; keep its files readable to the host user running VMs.
chmod -R u+rwX,go+rX "$image.tmp/root"
rm -rf "$image" && mv "$image.tmp" "$image"
echo "runtime image $name: $(wc -l < "$image/packages.lock") packages in $image/root" \
     "($behind not as locked)"
