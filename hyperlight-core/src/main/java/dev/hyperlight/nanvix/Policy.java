package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * What a run may do, as data: network, blocked calls, limits and which host directories may be
 * mounted. Read from a properties file ({@link #load}) or a preset ({@link #preset}); {@link
 * #applyTo} turns it into a {@link RuntimeConfig}. Settings a policy leaves out keep the
 * configuration's values. The format (docs/security.md, "Policy files"):
 *
 * <pre>
 * network = deny                      # or allow; network socket calls fail with EACCES when denied (AF_UNIX works)
 * block = unlinkat=EACCES, renameat2  # forwarded calls to fail, with an errno (EPERM by default)
 * tmp.quota = 64M                     # or none
 * files.max = 256
 * output.max = 1M
 * cpu.time = 10s
 * timeout = 30s
 * memory = 128M
 * mounts.allow = /srv/data, /home/me/input   # host directories mounts must lie in; empty: none
 * </pre>
 *
 * @param network whether socket calls reach their default implementation (there is no host
 *     network stack behind it: they fail with EAFNOSUPPORT unless an interceptor serves them)
 * @param blocked forwarded calls to fail, and with which errno
 * @param mountsAllowed host directories every mount must lie in; empty for no restriction
 */
public record Policy(
        boolean network,
        Map<Syscall, Errno> blocked,
        Optional<Long> tmpQuota,
        Optional<Integer> maxOpenFiles,
        Optional<Integer> maxOutput,
        Optional<Duration> cpuTime,
        Optional<Duration> timeout,
        Optional<Long> memory,
        Optional<List<Path>> mountsAllowed) {

    private static final Set<String> KEYS = Set.of("network", "block", "tmp.quota", "files.max", "output.max",
            "cpu.time", "timeout", "memory", "mounts.allow");

    public Policy {
        blocked = Map.copyOf(blocked);
        mountsAllowed = mountsAllowed.map(List::copyOf);
        blocked.keySet().forEach(Policy::requireForwarded);
    }

    /** Network denied; everything else as the configuration has it. */
    public static final Policy DEFAULT = new Policy(false, Map.of(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * For code nobody has read: network denied, 16 MiB of {@code /tmp}, 64 fds, 1 MiB of output per
     * stream, 10 s of CPU, 30 s of wall clock, 128 MiB of memory, no host mounts.
     */
    public static final Policy STRICT = new Policy(false, Map.of(), Optional.of(16L << 20), Optional.of(64),
            Optional.of(1 << 20), Optional.of(Duration.ofSeconds(10)), Optional.of(Duration.ofSeconds(30)),
            Optional.of(128L << 20), Optional.of(List.of()));

    /** The preset named {@code name}: {@code default} or {@code strict}. */
    public static Optional<Policy> preset(String name) {
        return switch (name) {
            case "default" -> Optional.of(DEFAULT);
            case "strict" -> Optional.of(STRICT);
            default -> Optional.empty();
        };
    }

    /**
     * Reads a policy file.
     *
     * @throws IllegalArgumentException naming the file and what is wrong in it
     */
    public static Policy load(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a policy file. */
    public static Policy parse(String text) {
        try {
            return parse(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException("reading a string failed", e);
        }
    }

    private static Policy parse(Reader in) throws IOException {
        Properties properties = new Properties();
        properties.load(in);
        for (String key : properties.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' (known: " + String.join(", ",
                        KEYS.stream().sorted().toList()) + ")");
            }
        }
        Optional<String> network = value(properties, "network");
        if (network.isPresent() && !network.get().equals("allow") && !network.get().equals("deny")) {
            throw new IllegalArgumentException("network must be 'allow' or 'deny', not '" + network.get() + "'");
        }
        Map<Syscall, Errno> blocked = new LinkedHashMap<>();
        for (String spec : list(properties, "block").orElse(List.of())) {
            Map.Entry<Syscall, Errno> block = parseBlock(spec);
            blocked.put(block.getKey(), block.getValue());
        }
        return new Policy(network.map("allow"::equals).orElse(false), blocked,
                value(properties, "tmp.quota").map(q -> q.equals("none") ? Limits.NO_QUOTA : Sizes.parse(q)),
                value(properties, "files.max").map(Policy::parseCount),
                value(properties, "output.max").map(Policy::parseOutput),
                value(properties, "cpu.time").map(Durations::parse),
                value(properties, "timeout").map(Durations::parse),
                value(properties, "memory").map(Sizes::parse),
                list(properties, "mounts.allow").map(paths -> paths.stream().map(Path::of).toList()));
    }

    /**
     * Parses {@code SYSCALL[=ERRNO]} ({@code unlinkat=EACCES}, {@code mkdirat}: EPERM).
     *
     * @throws IllegalArgumentException for an unknown call or errno, or a call the host never sees
     */
    public static Map.Entry<Syscall, Errno> parseBlock(String spec) {
        int equals = spec.indexOf('=');
        String name = (equals < 0 ? spec : spec.substring(0, equals)).trim();
        Syscall syscall = Syscall.named(name).orElseThrow(
                () -> new IllegalArgumentException("'" + name + "' is not a Linux x86-64 system call"));
        requireForwarded(syscall);
        if (equals < 0) {
            return Map.entry(syscall, Errno.EPERM);
        }
        String errno = spec.substring(equals + 1).trim().toUpperCase(Locale.ROOT);
        try {
            return Map.entry(syscall, Errno.valueOf(errno));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + errno + "' is not an errno name such as EPERM or EACCES");
        }
    }

    private static void requireForwarded(Syscall syscall) {
        if (!syscall.forwarded()) {
            throw new IllegalArgumentException(syscall.name() + " is served inside the guest or not at all;"
                    + " only calls forwarded to the host can be blocked (" + String.join(", ",
                            Syscall.FORWARDED.stream().map(Syscall::name).toList()) + ")");
        }
    }

    /**
     * {@code config} with this policy's table, limits and settings.
     *
     * @throws IllegalArgumentException if a mount of {@code config} lies outside {@link #mountsAllowed}
     */
    public RuntimeConfig applyTo(RuntimeConfig config) {
        checkMounts(config);
        SyscallTable table = config.syscallTable()
                .with(Syscall.NETWORK, network ? SyscallAction.accept() : SyscallAction.blockNetwork(SyscallTable.NETWORK_DENIED));
        for (Map.Entry<Syscall, Errno> block : blocked.entrySet()) {
            table = table.with(block.getKey(), SyscallAction.block(block.getValue()));
        }
        Limits limits = config.limits();
        limits = tmpQuota.map(limits::withTmpQuota).orElse(limits);
        limits = maxOpenFiles.map(limits::withMaxOpenFiles).orElse(limits);
        limits = cpuTime.map(limits::withCpuTime).orElse(limits);
        RuntimeConfig.Builder builder = config.toBuilder().syscallTable(table).limits(limits);
        maxOutput.ifPresent(builder::outputLimit);
        timeout.ifPresent(builder::timeout);
        memory.ifPresent(builder::memorySize);
        return builder.derived();
    }

    /**
     * Checks that every mount of {@code config} lies in {@link #mountsAllowed}.
     *
     * @throws IllegalArgumentException naming the first mount that does not
     */
    public void checkMounts(RuntimeConfig config) {
        mountsAllowed.ifPresent(allowed -> config.mounts().forEach(mount -> requireAllowed(mount, allowed)));
    }

    private static void requireAllowed(Mount mount, List<Path> allowed) {
        Path host = realPath(mount.hostDir());
        if (allowed.stream().map(Policy::realPath).noneMatch(host::startsWith)) {
            throw new IllegalArgumentException("the policy does not allow mounting " + mount.hostDir()
                    + (allowed.isEmpty() ? " (it allows no host mounts)" : " (allowed: " + allowed + ")"));
        }
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    private static Optional<String> value(Properties properties, String key) {
        return Optional.ofNullable(properties.getProperty(key)).map(String::trim);
    }

    private static Optional<List<String>> list(Properties properties, String key) {
        return value(properties, key).map(text -> {
            List<String> items = new ArrayList<>();
            for (String item : text.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
            return items;
        });
    }

    private static int parseCount(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
    }

    private static int parseOutput(String text) {
        long bytes = Sizes.parse(text);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("output limit " + text + " is above the maximum of 2G");
        }
        return (int) bytes;
    }
}
