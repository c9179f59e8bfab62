package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Deployment;
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
 * #defaultRuntimeCacheDirectory()}, no bound on concurrent runs, no {@link SandboxListener}.
 *
 * <p>The builder's setters refuse a malformed argument at once ({@link IllegalArgumentException},
 * {@link NullPointerException} naming the argument); {@link Builder#build()} refuses a
 * configuration this host cannot honour, such as a mount whose host directory does not exist,
 * with a {@link SandboxException} of reason {@link SandboxException.Reason#INVALID_CONFIGURATION}.
 * Options of one run only (its own standard input, time limit, environment, mounts and files)
 * are a {@link RunRequest}'s.
 */
public final class RuntimeConfig {

    /** Guest RAM unless set: 256 MiB. */
    public static final long DEFAULT_MEMORY = 256L << 20;
    /** Wall-clock limit of a run unless set: 60 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Bytes kept of each output stream unless set: 16 MiB. */
    public static final int DEFAULT_OUTPUT_LIMIT = 16 << 20;
    /** {@link #maxConcurrentRuns()} when not bounded. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;
    /**
     * The guest environment unless set, in this order; the host's is never inherited. (Not {@code
     * Map.of}, whose order changes from one JVM to the next: so would the guest's {@code environ}
     * and the identity of templates saved on disk.)
     */
    public static final Map<String, String> DEFAULT_ENVIRONMENT = defaultEnvironment();

    private static Map<String, String> defaultEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment.put("HOME", "/tmp");
        environment.put("LANG", "C.UTF-8");
        return Collections.unmodifiableMap(environment);
    }

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
    private final int maxConcurrentRuns;
    private final Optional<SandboxListener> listener;
    private final boolean warmStarts;
    private final Optional<Path> templateDirectory;
    private final Map<GuestRuntime, String> preloads;
    private final int clonesPerTemplate;
    private final String hypervisor;
    private final Deployment deployment;

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
        this.maxConcurrentRuns = builder.maxConcurrentRuns;
        this.listener = Optional.ofNullable(builder.listener);
        this.warmStarts = builder.warmStarts;
        this.templateDirectory = Optional.ofNullable(builder.templateDirectory);
        this.preloads = Map.copyOf(builder.preloads);
        this.clonesPerTemplate = builder.clonesPerTemplate;
        this.hypervisor = builder.hypervisor;
        this.deployment = builder.deployment;
    }

    /** A configuration with every default (nothing in it can be refused). */
    public static RuntimeConfig defaults() {
        return new RuntimeConfig(builder());
    }

    /** A builder holding every default. */
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

    /** The host directories every run sees, after the program's own; a later one at a guest path replaces an earlier. */
    public List<Mount> mounts() {
        return mounts;
    }

    /** How forwarded system calls are decided. */
    public SyscallTable syscallTable() {
        return syscallTable;
    }

    /**
     * The standard input of runs whose {@link RunRequest} gives none: one live stream (the CLI
     * passes {@code System.in}), which such runs read from where the previous one stopped; it is
     * never rewound, so once a run has read it to its end, the next ones read end of file. Empty
     * unless set. A run with its own {@link RunRequest#stdin()} reads only that.
     */
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

    /** Told about every run that ends and every call its guest forwards; none by default. */
    public Optional<SandboxListener> listener() {
        return listener;
    }

    /**
     * How many runs of one {@link Sandbox} may have VMs at once ({@link #UNBOUNDED} unless set). A
     * run started beyond the bound waits, on the thread that would run it, until a run ends (its
     * time limit starts when its VM does); cancelling it ends the wait. The processes a run forks
     * count within the run: their VMs are bounded by the run's own process limit.
     */
    public int maxConcurrentRuns() {
        return maxConcurrentRuns;
    }

    /**
     * Whether runs of a runtime (CPython, QuickJS) or of an ELF program start warm (on unless
     * turned off): the first such run of a {@link Sandbox} with a given runtime, start-up
     * environment and start-up mounts (or program, exec path and library mounts) also captures a
     * template, the runtime booted and initialised up to the point where it would read the script
     * (the program loaded, before its stack is built), and every later one is a clone of it that
     * is then told its own script or code, arguments and environment. A run whose command line a
     * template cannot take (interpreter options, an ES module), and every run when this is off,
     * start cold. Both {@link #deployment()}s start warm: in-process a clone maps its template's
     * RAM copy-on-write; in the multi-process deployment each clone's VMM process gets RAM of its
     * own filled with a copy of the template's data, which costs that much memory per live run
     * (docs/architecture.md, "Deployments"). What clones share is in docs/security.md ("Warm starts").
     */
    public boolean warmStarts() {
        return warmStarts;
    }

    /**
     * Where warm-start templates are saved and looked for (none unless set; the CLI's default is
     * {@link #defaultTemplateDirectory()}), so that a sandbox in another process starts warm from
     * its first run. The directory is created private to the user (0700), files are 0600; a file
     * that is damaged or was made for another kernel, image, library version or host is not used
     * and is replaced (docs/security.md, "Snapshots").
     */
    public Optional<Path> templateDirectory() {
        return templateDirectory;
    }

    /**
     * Code each runtime's warm-start template runs once, before it waits for its runs (none unless
     * set): imports and caches that every run then finds done, such as {@code import numpy, json}.
     * It runs in a namespace of its own (Python: a fresh module dict; QuickJS: the global scope,
     * where its declarations stay), at start-up, under the sandbox's policy. Only warm runs see its
     * effects: a run that starts cold (warm starts off, a command line a template cannot take, a
     * template that could not be made) does not run it, so use it for what makes runs faster, not
     * for what they need. Preload code that leaves a file open or starts a process gets no
     * template (the runs start cold, the reason logged).
     */
    public Map<GuestRuntime, String> preloads() {
        return preloads;
    }

    /**
     * How many warm runs one template serves before the next run makes a new one (0, the default:
     * no bound). Clones share what their runtime drew before the capture: the address-space
     * layout, glibc's stack canary, CPython's string-hash secret (docs/security.md, "Warm
     * starts"); renewing the template renews those, at the cost of one template's start-up each
     * time. A template loaded from {@link #templateDirectory()} is renewed the same way, and the
     * new one replaces it on disk.
     */
    public int clonesPerTemplate() {
        return clonesPerTemplate;
    }

    /**
     * Where VMs run: in this JVM ({@link Deployment#IN_PROCESS}, the default) or each in a confined
     * VMM process ({@link Deployment.MultiProcess}); warm starts work in both
     * (docs/architecture.md, "Deployments").
     */
    public Deployment deployment() {
        return deployment;
    }

    /**
     * {@code $XDG_CACHE_HOME/hyperlight-nanvix/templates}, or {@code
     * ~/.cache/hyperlight-nanvix/templates} without it.
     */
    public static Path defaultTemplateDirectory() {
        return defaultRuntimeCacheDirectory().resolveSibling("templates");
    }

    /** A builder holding this configuration, to derive another from it. */
    /**
     * The hypervisor backend sandboxes open: {@value #AUTO_HYPERVISOR} (the default) takes the
     * first whose device this host has, {@code kvm} before {@code mshv}; a backend's name ({@code
     * kvm}, {@code mshv}) takes that one, or the sandbox fails to open if it is not on the class path.
     */
    public String hypervisor() {
        return hypervisor;
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
        builder.maxConcurrentRuns = maxConcurrentRuns;
        builder.listener = listener.orElse(null);
        builder.warmStarts = warmStarts;
        builder.templateDirectory = templateDirectory.orElse(null);
        builder.preloads = new LinkedHashMap<>(preloads);
        builder.clonesPerTemplate = clonesPerTemplate;
        builder.hypervisor = hypervisor;
        builder.deployment = deployment;
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
        private int maxConcurrentRuns = UNBOUNDED;
        private SandboxListener listener;
        private boolean warmStarts = true;
        private Path templateDirectory;
        private Map<GuestRuntime, String> preloads = new LinkedHashMap<>();
        private int clonesPerTemplate;
        private String hypervisor = AUTO_HYPERVISOR;
        private Deployment deployment = Deployment.IN_PROCESS;

        private Builder() {}

        /** Where VMs run; see {@link RuntimeConfig#deployment()}. */
        public Builder deployment(Deployment deployment) {
            this.deployment = Objects.requireNonNull(deployment, "deployment");
            return this;
        }

        /** Where each run appends its summary and guest kernel log lines; created when needed. */
        public Builder logDirectory(Path directory) {
            this.logDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Parent of the runs' private {@code /tmp} directories; created when needed. */
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
            RunRequest.checkTimeout(Objects.requireNonNull(timeout, "timeout"));
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
            Objects.requireNonNull(environment, "environment");
            Map<String, String> copy = new LinkedHashMap<>();
            environment.forEach((key, value) -> copy.put(
                    EnvironmentVariables.checkName(Objects.requireNonNull(key, "environment name")),
                    EnvironmentVariables.checkValue(Objects.requireNonNull(value, "environment value"))));
            this.environment = copy;
            return this;
        }

        /** Sets one guest environment variable (added to, or replacing one of, the defaults). */
        public Builder env(String name, String value) {
            environment.put(EnvironmentVariables.checkName(Objects.requireNonNull(name, "name")),
                    EnvironmentVariables.checkValue(Objects.requireNonNull(value, "value")));
            return this;
        }

        /** Adds a mount every run sees; {@link #build()} refuses one whose host directory does not exist. */
        public Builder mount(Mount mount) {
            mounts.add(Objects.requireNonNull(mount, "mount"));
            return this;
        }

        /** Decides the forwarded system calls; {@link SyscallTable#defaults()} unless set. */
        public Builder syscallTable(SyscallTable table) {
            this.syscallTable = Objects.requireNonNull(table, "table");
            return this;
        }

        /** The live standard input of runs that give none of their own; see {@link RuntimeConfig#stdin()}. */
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

        /** The most bytes kept of each output stream of a run; see {@link RuntimeConfig#outputLimit()}. */
        public Builder outputLimit(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("output limit must not be negative");
            }
            this.outputLimit = bytes;
            return this;
        }

        /** CPU time, open files and the {@code /tmp} quota; {@link Limits#DEFAULT} unless set. */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Bounds the runs with VMs at once; see {@link RuntimeConfig#maxConcurrentRuns()}. */
        public Builder maxConcurrentRuns(int runs) {
            if (runs < 1) {
                throw new IllegalArgumentException("the bound on concurrent runs must be at least 1, not " + runs);
            }
            this.maxConcurrentRuns = runs;
            return this;
        }

        /** Turns warm starts on (the default) or off; see {@link RuntimeConfig#warmStarts()}. */
        public Builder warmStarts(boolean on) {
            this.warmStarts = on;
            return this;
        }

        /** Saves and finds warm-start templates in {@code directory}; see {@link RuntimeConfig#templateDirectory()}. */
        public Builder templateDirectory(Path directory) {
            this.templateDirectory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
            return this;
        }

        /**
         * Has {@code runtime}'s template run {@code code} before it waits for its runs; an empty
         * string removes it. See {@link RuntimeConfig#preloads()}.
         *
         * @throws IllegalArgumentException for a code string with a NUL character (no command line holds one)
         */
        public Builder preload(GuestRuntime runtime, String code) {
            Objects.requireNonNull(runtime, "runtime");
            Objects.requireNonNull(code, "code");
            if (code.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("preload code cannot contain a NUL character");
            }
            if (code.isEmpty()) {
                preloads.remove(runtime);
            } else {
                preloads.put(runtime, code);
            }
            return this;
        }

        /** Bounds the runs one template serves; see {@link RuntimeConfig#clonesPerTemplate()}. */
        public Builder clonesPerTemplate(int runs) {
            if (runs < 0) {
                throw new IllegalArgumentException("the runs per template must be 0 (no bound) or more, not " + runs);
            }
            this.clonesPerTemplate = runs;
            return this;
        }

        /**
         * Chooses the hypervisor backend by name, or {@value #AUTO_HYPERVISOR}; see {@link
         * RuntimeConfig#hypervisor()}.
         *
         * @throws IllegalArgumentException for a name that is not lower-case letters, digits and dashes
         */
        public Builder hypervisor(String name) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[a-z0-9][a-z0-9-]{0,63}")) {
                throw new IllegalArgumentException("a hypervisor backend's name is lower-case letters, digits and"
                        + " dashes (kvm, mshv, auto), not '" + name + "'");
            }
            this.hypervisor = name;
            return this;
        }

        /** Stops saving and finding warm-start templates on disk (the default). */
        public Builder noTemplateDirectory() {
            this.templateDirectory = null;
            return this;
        }

        /** Tells {@code listener} about every run that ends and every call its guest forwards (metrics). */
        public Builder listener(SandboxListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The configuration, once this host can honour it.
         *
         * @throws SandboxException {@link SandboxException.Reason#INVALID_CONFIGURATION} for a mount
         *     whose host directory does not exist or is not a directory
         */
        public RuntimeConfig build() throws SandboxException {
            for (Mount mount : mounts) {
                mount.checkHostDirectory();
            }
            return new RuntimeConfig(this);
        }

        /** The configuration without the host checks: for one derived from a built one, mounts unchanged. */
        RuntimeConfig derived() {
            return new RuntimeConfig(this);
        }
    }

    /** {@link #hypervisor()}'s default: the first backend whose device this host has. */
    public static final String AUTO_HYPERVISOR = "auto";

    static final long TWO_MIB = 2L << 20;
    /** The least guest RAM accepted: 16 MiB. */
    public static final long MIN_MEMORY = 16L << 20;
    /** The most guest RAM accepted: 8 GiB. */
    public static final long MAX_MEMORY = 8L << 30;
}
