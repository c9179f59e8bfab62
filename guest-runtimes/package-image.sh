#!/usr/bin/env bash
# Lays out a runtime image as the resources of its artifact: package-image.sh ROOT OUT [STAMP]
#
# Copies every regular file under ROOT to OUT (same relative path) and writes OUT/image.manifest,
# one entry a line, the path last (see RuntimeImage.Bundled): "SHA256 MODE PATH" per file,
# "dir PATH" per directory and "link TARGET PATH" per symbolic link. Links are only listed, never
# copied: a jar cannot hold one, and following it would copy host files (an absolute target
# such as /lib/x86_64-linux-gnu/... names a file of the guest, not of this machine). The
# library extracts the image from these resources on first use and checks every digest.
#
# With STAMP (a file outside OUT), nothing is done when ROOT's listing (names, types, sizes,
# times, modes, link targets) is what STAMP recorded when OUT was last written: a build that
# runs again (the emulated machine of scripts/nested-kvm, after the host's) does not hash the
# image's thousand files again.
set -euo pipefail
root="$(cd "$1" && pwd)"
out="$2"
stamp_file="${3:-}"
listing() { (cd "$root" && find . -printf '%P %y %s %T@ %m %l\n' | LC_ALL=C sort | sha256sum | cut -d' ' -f1); }
if [[ -n "$stamp_file" && -f "$stamp_file" && -f "$out/image.manifest" && "$(cat "$stamp_file")" == "$(listing)" ]]; then
    echo "runtime image $(basename "$out"): up to date in $out"
    exit 0
fi

# The manifest is line-based with space-separated fields: refuse names it cannot carry.
if [[ -n "$(find "$root" -mindepth 1 \( -name $'*\n*' -o -name '*\\*' \) -print -quit)" ]]; then
    echo "package-image.sh: $root holds a file name with a newline or backslash" >&2; exit 1
fi
if [[ -n "$(find "$root" -type l -lname '* *' -print -quit)" ]]; then
    echo "package-image.sh: $root holds a link whose target has a space" >&2; exit 1
fi
other="$(find "$root" -mindepth 1 ! -type f ! -type d ! -type l -print -quit)"
if [[ -n "$other" ]]; then
    echo "package-image.sh: $other is neither a file, a directory nor a link" >&2; exit 1
fi

rm -rf "$out.tmp" && mkdir -p "$out.tmp"
# cp -a copies links as links, never their targets; they are then removed from the copy.
cp -a "$root/." "$out.tmp/"
find "$out.tmp" -type l -delete
chmod -R u+w "$out.tmp"
{
    cd "$root"
    find . -mindepth 1 -type d -printf 'dir %P\n' | LC_ALL=C sort
    find . -type f -printf '%P\n' | LC_ALL=C sort | while IFS= read -r file; do
        echo "$(sha256sum "$file" | cut -d' ' -f1) $(stat -c %a "$file") $file"
    done
    find . -type l -printf 'link %l %P\n' | LC_ALL=C sort -k3
} > "$out.tmp/image.manifest"
rm -rf "$out" && mv "$out.tmp" "$out"
if [[ -n "$stamp_file" ]]; then
    listing > "$stamp_file"
fi
echo "runtime image $(basename "$out"): $(grep -c . "$out/image.manifest") entries in $out"
