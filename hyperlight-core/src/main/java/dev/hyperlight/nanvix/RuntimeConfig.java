package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Sandbox} runs programs. Immutable; build one with {@link #builder()}.
 *
 * <p>Defaults: 256 MiB of guest memory, a 60 s time limit, the environment {@link
 * #DEFAULT_ENVIRONMENT} (the host's is never inherited), no extra mounts, per-run temporary
 * directories under {@code java.io.tmpdir/hyperlight-nanvix}, no log directory, empty standard
 * input, standard output and error captured into the {@link RunResult} (up to 16 MiB each),
 * {@link Limits#DEFAULT}, bundled runtime images extracted under {@link
 * #defaultRuntimeCacheDirectory()}.
 */
public final class RuntimeConfig {

    public static final long DEFAULT_MEMORY = 256L << 20;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_OUTPUT_LIMIT = 16 << 20;
    public static final Map<String, String> DEFAULT_ENVIRONMENT = Map.of(
            "PATH", "/usr/local/bin:/usr/bin:/bin",
            "HOME", "/tmp",
            "LANG", "C.UTF-8");

    private final Optional<Path> logDirectory;
    private final Path tmpDirectory;
    private final Path runtimeCacheDirectory;
    private final Optional<Path> imagesDirectory;
    private final Duration timeout;
    private final long memorySize;
    private final Map<String, String> environment;
    private final List<Mount> mounts;
    private final SyscallTable syscallTable;
    private final InputStream stdin;
    private final Optional<OutputStream> stdout;
    private final Optional<OutputStream> stderr;
    private final int outputLimit;
    private final Limits limits;

    private RuntimeConfig(Builder builder) {
        this.logDirectory = Optional.ofNullable(builder.logDirectory);
        this.tmpDirectory = builder.tmpDirectory != null
                ? builder.tmpDirectory
                : Path.of(System.getProperty("java.io.tmpdir"), "hyperlight-nanvix");
        this.runtimeCacheDirectory = builder.runtimeCacheDirectory != null
                ? builder.runtimeCacheDirectory
                : defaultRuntimeCacheDirectory();
        this.imagesDirectory = Optional.ofNullable(builder.imagesDirectory);
        this.timeout = builder.timeout;
        this.memorySize = builder.memorySize;
        this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(builder.environment));
        this.mounts = List.copyOf(builder.mounts);
        this.syscallTable = builder.syscallTable;
        this.stdin = builder.stdin;
        this.stdout = Optional.ofNullable(builder.stdout);
        this.stderr = Optional.ofNullable(builder.stderr);
        this.outputLimit = builder.outputLimit;
        this.limits = builder.limits;
    }

    /** A configuration with every default. */
    public static RuntimeConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where each run appends its summary, guest kernel log lines and fault details. */
    public Optional<Path> logDirectory() {
        return logDirectory;
    }

    /** Parent of the private {@code /tmp} directory created for each run and removed after it. */
    public Path tmpDirectory() {
        return tmpDirectory;
    }

    /** Where bundled {@link RuntimeImage}s are extracted on first use and kept for later runs. */
    public Path runtimeCacheDirectory() {
        return runtimeCacheDirectory;
    }

    /**
     * {@code $XDG_CACHE_HOME/hyperlight-nanvix/runtimes}, or {@code ~/.cache/hyperlight-nanvix/runtimes}
     * when {@code XDG_CACHE_HOME} is not set.
     */
    public static Path defaultRuntimeCacheDirectory() {
        String cacheHome = System.getenv("XDG_CACHE_HOME");
        Path base = cacheHome != null && !cacheHome.isEmpty()
                ? Path.of(cacheHome)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("hyperlight-nanvix").resolve("runtimes");
    }

    /**
     * Where the Debian runtime images ({@code base}, {@code python}) are taken from instead of
     * their artifacts: {@code DIRECTORY/NAME/root}, as {@code guest-runtimes/debian/build-image.sh}
     * builds them. Empty (the default): from the artifacts on the class path or module path. The
     * system property {@value RuntimeImage.Debian#IMAGES_PROPERTY} overrides both.
     */
    public Optional<Path> imagesDirectory() {
        return imagesDirectory;
    }

    /** Wall-clock limit of one run; {@link Duration#ZERO} means none. */
    public Duration timeout() {
        return timeout;
    }

    /** Bytes of guest RAM per VM; this is the memory limit of the program and its kernel. */
    public long memorySize() {
        return memorySize;
    }

    /** The guest's environment variables, exactly (nothing is inherited from the host). */
    public Map<String, String> environment() {
        return environment;
    }

    public List<Mount> mounts() {
        return mounts;
    }

    public SyscallTable syscallTable() {
        return syscallTable;
    }

    public InputStream stdin() {
        return stdin;
    }

    /** Where guest standard output is streamed; empty: captured into the {@link RunResult}. */
    public Optional<OutputStream> stdout() {
        return stdout;
    }

    /** Where guest standard error is streamed; empty: captured into the {@link RunResult}. */
    public Optional<OutputStream> stderr() {
        return stderr;
    }

    /**
     * Most bytes of each output stream, captured or streamed, the guest may produce; the rest is
     * dropped and the result says so ({@link ResourceLimit#OUTPUT}).
     */
    public int outputLimit() {
        return outputLimit;
    }

    /** CPU time, open files and the {@code /tmp} quota. */
    public Limits limits() {
        return limits;
    }

    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.logDirectory = logDirectory.orElse(null);
        builder.tmpDirectory = tmpDirectory;
        builder.runtimeCacheDirectory = runtimeCacheDirectory;
        builder.imagesDirectory = imagesDirectory.orElse(null);
        builder.timeout = timeout;
        builder.memorySize = memorySize;
        builder.environment = new LinkedHashMap<>(environment);
        builder.mounts = new ArrayList<>(mounts);
        builder.syscallTable = syscallTable;
        builder.stdin = stdin;
        builder.stdout = stdout.orElse(null);
        builder.stderr = stderr.orElse(null);
        builder.outputLimit = outputLimit;
        builder.limits = limits;
        return builder;
    }

    /** Builds a {@link RuntimeConfig}; every setter checks its argument at once. */
    public static final class Builder {
        private Path logDirectory;
        private Path tmpDirectory;
        private Path runtimeCacheDirectory;
        private Path imagesDirectory;
        private Duration timeout = DEFAULT_TIMEOUT;
        private long memorySize = DEFAULT_MEMORY;
        private Map<String, String> environment = new LinkedHashMap<>(DEFAULT_ENVIRONMENT);
        private List<Mount> mounts = new ArrayList<>();
        private SyscallTable syscallTable = SyscallTable.defaults();
        private InputStream stdin = InputStream.nullInputStream();
        private OutputStream stdout;
        private OutputStream stderr;
        private int outputLimit = DEFAULT_OUTPUT_LIMIT;
        private Limits limits = Limits.DEFAULT;

        private Builder() {}

        public Builder logDirectory(Path directory) {
            this.logDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        public Builder tmpDirectory(Path directory) {
            this.tmpDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Where bundled runtime images are extracted and kept. */
        public Builder runtimeCacheDirectory(Path directory) {
            this.runtimeCacheDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Takes the Debian runtime images from here; see {@link RuntimeConfig#imagesDirectory()}. */
        public Builder imagesDirectory(Path directory) {
            this.imagesDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Wall-clock limit of one run; {@link Duration#ZERO} for none. */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative");
            }
            this.timeout = timeout;
            return this;
        }

        /** Guest RAM in bytes; rounded up to a multiple of 2 MiB, at least 16 MiB. */
        public Builder memorySize(long bytes) {
            if (bytes < MIN_MEMORY) {
                throw new IllegalArgumentException("memory size " + Sizes.format(bytes)
                        + " is below the minimum of " + Sizes.format(MIN_MEMORY));
            }
            if (bytes > MAX_MEMORY) {
                throw new IllegalArgumentException("memory size " + Sizes.format(bytes)
                        + " is above the maximum of " + Sizes.format(MAX_MEMORY));
            }
            this.memorySize = (bytes + TWO_MIB - 1) & -TWO_MIB;
            return this;
        }

        /** Replaces the whole guest environment. */
        public Builder environment(Map<String, String> environment) {
            Map<String, String> copy = new LinkedHashMap<>();
            environment.forEach((key, value) -> copy.put(checkName(key), checkValue(value)));
            this.environment = copy;
            return this;
        }

        /** Sets one guest environment variable (added to, or replacing one of, the defaults). */
        public Builder env(String name, String value) {
            environment.put(checkName(name), checkValue(value));
            return this;
        }

        public Builder mount(Mount mount) {
            mounts.add(Objects.requireNonNull(mount, "mount"));
            return this;
        }

        public Builder syscallTable(SyscallTable table) {
            this.syscallTable = Objects.requireNonNull(table, "table");
            return this;
        }

        public Builder stdin(InputStream in) {
            this.stdin = Objects.requireNonNull(in, "in");
            return this;
        }

        /** Streams guest standard output here instead of capturing it. */
        public Builder stdout(OutputStream out) {
            this.stdout = Objects.requireNonNull(out, "out");
            return this;
        }

        /** Streams guest standard error here instead of capturing it. */
        public Builder stderr(OutputStream err) {
            this.stderr = Objects.requireNonNull(err, "err");
            return this;
        }

        public Builder outputLimit(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("output limit must not be negative");
            }
            this.outputLimit = bytes;
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public RuntimeConfig build() {
            return new RuntimeConfig(this);
        }

        private static String checkName(String name) {
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("'" + name
                        + "' is not an environment variable name (empty, or contains '=' or NUL)");
            }
            return name;
        }

        private static String checkValue(String value) {
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment values must not contain NUL");
            }
            return value;
        }
    }

    static final long TWO_MIB = 2L << 20;
    public static final long MIN_MEMORY = 16L << 20;
    public static final long MAX_MEMORY = 8L << 30;
}
