# Sourced by the project's scripts: finds a JDK with the final FFM API (22 or newer) and exports
# JAVA_HOME and PATH for it. The machine's default java may be older.
java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

find_jdk() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*-25-* \
                     /usr/lib/jvm/*25* /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
        local major
        major=$(java_major "$candidate")
        if [ -n "$major" ] && [ "$major" -ge 22 ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! JAVA_HOME=$(find_jdk); then
    echo "hyperlight-nanvix: needs a JDK 22 or newer (JDK 25 recommended); set JAVA_HOME to one" >&2
    exit 71
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Host file names are handled as Java strings: make the JVM encode them as UTF-8 even under a C locale.
export LC_ALL="${LC_ALL:-C.UTF-8}"
# Maven 3.8 uses sun.misc.Unsafe through Guava; keep JDK 25 from warning about it on every build.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
