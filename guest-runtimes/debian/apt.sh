# Sourced by build-image.sh and refresh-locks.sh: apt with this directory's sources.list and
# state of its own under $1 (package lists, status, cache), never the machine's.
apt_state="$1/apt"
mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" "$apt_state/parts" "$apt_state/preferences.d"
: >> "$apt_state/status"
apt_options=(
    -o "Dir::Etc::SourceList=$here/sources.list"
    -o "Dir::Etc::SourceParts=$apt_state/parts"
    -o "Dir::Etc::Preferences=$apt_state/preferences"
    -o "Dir::Etc::PreferencesParts=$apt_state/preferences.d"
    -o "Dir::State::Lists=$apt_state/lists"
    -o "Dir::State::status=$apt_state/status"
    -o "Dir::Cache=$apt_state/cache"
    -o "APT::Sandbox::User=$(id -un)"
    -o "Debug::NoLocking=true"
)

# Fetches the suites' package lists into the private state.
update_lists() {
    echo "$(basename "$0"): fetching the package lists of $(grep -c '^deb ' "$here/sources.list") Debian suites" >&2
    apt-get "${apt_options[@]}" update -q >/dev/null
}

lists_present() {
    compgen -G "$apt_state/lists/*_Packages*" > /dev/null
}

# The newest version of package $1 the suites offer, or nothing.
candidate() {
    apt-cache "${apt_options[@]}" policy "$1" | awk '/Candidate:/ && $2 != "(none)" { print $2 }'
}

# Downloads package $1 at version $2 into the current directory; fails when the suites do not serve it.
download() {
    apt-get "${apt_options[@]}" download -q "$1=$2" >/dev/null 2>&1
}

# The .deb of package $1 at version $2 in $debs, if it was downloaded before; else nothing.
cached_deb() {
    ls "$debs/${1}_${2//:/%3a}_"*.deb 2>/dev/null | head -n1 || true
}

# The package names of image $1: NAME.packages, "@other" including other.packages.
packages() {
    local list="$here/$1.packages"
    [[ -f "$list" ]] || { echo "$(basename "$0"): no package list $list" >&2; exit 1; }
    while read -r line; do
        line="${line%%#*}"
        line="${line//[[:space:]]/}"
        [[ -z "$line" ]] && continue
        if [[ "$line" == @* ]]; then packages "${line#@}"; else echo "$line"; fi
    done < "$list"
}
