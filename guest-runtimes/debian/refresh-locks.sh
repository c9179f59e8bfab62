#!/usr/bin/env bash
# Moves the locks of the runtime images to the newest versions the suites of sources.list
# serve (the security suite included): refresh-locks.sh [NAME...] (default: every NAME.packages
# here). Downloads each package once to record its SHA-256 in NAME.lock; commit the locks, and
# the next build of each image takes exactly those versions (build-image.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${REFRESH_LOCKS_DIR:-$here/../target/images}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
source "$here/apt.sh" "$work"

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
    for list in "$here"/*.packages; do names+=("$(basename "$list" .packages)"); done
fi
update_lists
debs="$work/debs"
mkdir -p "$debs"
for name in "${names[@]}"; do
    lock="$here/$name.lock"
    {
        echo "# The versions of the $name image's packages, pinned with the SHA-256 of each .deb:"
        echo "# written by refresh-locks.sh from the suites of sources.list on $(date -u +%Y-%m-%d); read by build-image.sh."
        for package in $(packages "$name" | sort -u); do
            version="$(candidate "$package")"
            [[ -n "$version" ]] || { echo "refresh-locks.sh: the suites have no $package" >&2; exit 1; }
            deb="$(cached_deb "$package" "$version")"
            if [[ -z "$deb" ]]; then
                (cd "$debs" && download "$package" "$version") || {
                    echo "refresh-locks.sh: cannot download $package $version" >&2; exit 1; }
                deb="$(cached_deb "$package" "$version")"
            fi
            echo "$package $version $(sha256sum "$deb" | cut -d' ' -f1)"
        done
    } > "$lock.tmp"
    mv "$lock.tmp" "$lock"
    echo "refresh-locks.sh: $lock: $(grep -vc '^#' "$lock") packages"
done
