package dev.hyperlight.nanvix.it;

import dev.hyperlight.nanvix.Limits;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Campaigns of the guest-side system-call fuzzer (guests/syscall-fuzz.c; docs/security.md,
 * "Fuzzing"): VMs one after another, each running the fuzzer with a seed of its own derived from
 * the campaign's, each judged by how it ended. The program may end in any way a program can: its
 * own exit, a signal its calls brought on, the time limit. The host must never fail (an
 * exception, the CLI's status 70), nor the guest kernel or the VM (status 125), and the host must
 * hold no more file descriptors, threads or memory after many runs than before them.
 *
 * <p>GuestSyscallFuzzTest runs a short campaign in every build; {@link #main} runs a long one on
 * demand (benchmarks/fuzz-guest).
 */
final class GuestFuzzCampaign implements AutoCloseable {

    /** Guest memory of each VM (and of each process a fuzzer's fork makes). */
    static final long MEMORY = 64L << 20;
    static final long TMP_QUOTA = 8L << 20;
    static final int OUTPUT_LIMIT = 64 << 10;

    /**
     * How one VM of a campaign went.
     *
     * @param termination how the run ended; empty when the host failed instead
     * @param finding what is wrong, when something is
     */
    record VmRun(int index, long seed, int calls, Optional<Termination> termination, boolean madeAllCalls,
            Duration duration, Optional<String> finding) {

        /** The fuzzer's command line, which makes the same calls again. */
        String command() {
            return "syscall-fuzz " + hex(seed) + " " + calls;
        }

        String describe() {
            return String.format("vm %d seed %s: %s in %d ms%s%s", index, hex(seed),
                    termination.map(Termination::describe).orElse("no result"), duration.toMillis(),
                    madeAllCalls ? ", all calls made" : "", finding.map(f -> "\n  FINDING: " + f).orElse(""));
        }
    }

    private final Path fuzzer;
    private final Duration timeout;
    private final Sandbox sandbox;

    /** A campaign running {@code fuzzer} (guests/syscall-fuzz) with its runs' /tmp under {@code tmp}. */
    GuestFuzzCampaign(Path fuzzer, Path tmp, Duration timeout) throws SandboxException {
        this.fuzzer = fuzzer;
        this.timeout = timeout;
        this.sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(timeout).memorySize(MEMORY)
                .outputLimit(OUTPUT_LIMIT).limits(Limits.DEFAULT.withTmpQuota(TMP_QUOTA)).build());
    }

    /** The seed of VM {@code index} of the campaign with {@code campaignSeed} (splitmix64). */
    static long vmSeed(long campaignSeed, int index) {
        long z = campaignSeed + (index + 1) * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** Parses a seed as written by {@link #hex} (or in decimal). */
    static long parseSeed(String text) {
        return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
    }

    static long randomSeed() {
        return new SecureRandom().nextLong();
    }

    /** Runs the fuzzer once, in a fresh VM, with {@code seed} and {@code calls}, and judges the run. */
    VmRun run(int index, long seed, int calls) {
        long started = System.nanoTime();
        RunResult result;
        try {
            result = sandbox.run(fuzzer, hex(seed), Integer.toString(calls));
        } catch (SandboxException | RuntimeException e) {
            return new VmRun(index, seed, calls, Optional.empty(), false, Duration.ofNanos(System.nanoTime() - started),
                    Optional.of("the host failed: " + stackTrace(e)));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        boolean madeAllCalls = result.stdoutText().contains("syscall-fuzz: done, " + calls + " calls");
        return new VmRun(index, seed, calls, Optional.of(result.termination()), madeAllCalls, took,
                judge(result.termination(), took));
    }

    /** What is wrong with a run that ended so after so long, if anything. */
    private Optional<String> judge(Termination termination, Duration took) {
        return switch (termination) {
            case Termination.VmFailed failed -> Optional.of("the guest kernel or the VM failed: " + failed.reason());
            case Termination.AuditFailed audit -> Optional.of("an audit failure without an audit: " + audit.reason());
            case Termination.Exited _, Termination.Faulted _, Termination.TimedOut _, Termination.CpuTimeExceeded _ ->
                took.compareTo(timeout.plus(Sandbox.STOP_WAIT)) > 0
                        ? Optional.of("the run took " + took.toMillis() + " ms, past its time limit of " + timeout)
                        : Optional.empty();
        };
    }

    /**
     * What the host holds beyond {@code before}, if more than a campaign may leave: a few file
     * descriptors and threads the JVM opens on its own, and less than four VMs' memory.
     */
    static Optional<String> leak(HostResources before, HostResources after) {
        if (after.fileDescriptors() > before.fileDescriptors() + 2 || after.threads() > before.threads() + 4
                || after.virtualMemoryKib() - before.virtualMemoryKib() >= 4 * (MEMORY >> 10)) {
            return Optional.of("the host holds more than before the runs: " + before + " then " + after);
        }
        return Optional.empty();
    }

    /** A key for counting how runs ended: "exited", "timed out", "killed by SIGSEGV"... */
    static String kind(VmRun run) {
        return run.termination().map(termination -> switch (termination) {
            case Termination.Faulted faulted -> "killed by signal " + faulted.signal();
            case Termination.Exited _ -> run.madeAllCalls() ? "made all calls" : "exited early";
            default -> termination.getClass().getSimpleName();
        }).orElse("host failed");
    }

    private static String stackTrace(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    @Override
    public void close() {
        sandbox.close();
    }

    /**
     * A long campaign: {@code --minutes N} (default 60) of VMs with {@code --calls N} calls each
     * (default 1000), from {@code --seed S} (default random), {@code --timeout SECONDS} per VM
     * (default 20); each VM's line and every finding go to {@code --log FILE} and standard output.
     * The host's resources are compared with those after the first run every 200 VMs and at the
     * end. Exits 1 when anything was found.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new TreeMap<>(Map.of("--minutes", "60", "--calls", "1000", "--seed",
                hex(randomSeed()), "--timeout", "20", "--log", "target/fuzz-guest/campaign.log"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!options.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; options: " + options.keySet());
            }
            options.put(args[i], args[i + 1]);
        }
        long campaignSeed = parseSeed(options.get("--seed"));
        int calls = Integer.parseInt(options.get("--calls"));
        Instant end = Instant.now().plus(Duration.ofMinutes(Long.parseLong(options.get("--minutes"))));
        Path logFile = Path.of(options.get("--log"));
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        Path tmp = Files.createTempDirectory("fuzz-guest");
        Map<String, Integer> endings = new TreeMap<>();
        int findings = 0;
        int index = 0;
        try (PrintStream log = new PrintStream(Files.newOutputStream(logFile, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND), true, StandardCharsets.UTF_8);
                GuestFuzzCampaign campaign = new GuestFuzzCampaign(Guests.guest("syscall-fuzz"), tmp,
                        Duration.ofSeconds(Long.parseLong(options.get("--timeout"))))) {
            String header = "guest fuzz campaign " + Instant.now() + ": seed " + hex(campaignSeed) + ", " + calls
                    + " calls per VM, until " + end;
            log.println(header);
            System.out.println(header);
            HostResources baseline = null;
            for (; Instant.now().isBefore(end); index++) {
                VmRun run = campaign.run(index, vmSeed(campaignSeed, index), calls);
                endings.merge(kind(run), 1, Integer::sum);
                log.println(run.describe());
                if (run.finding().isPresent()) {
                    findings++;
                    System.out.println(run.describe() + "\n  reproduce: " + run.command() + " trace");
                }
                if (baseline == null) {
                    baseline = HostResources.now(); // after the first run: class loading and JIT threads done
                } else if (index % 200 == 0 || !Instant.now().isBefore(end)) {
                    Optional<String> leak = leak(baseline, HostResources.now());
                    log.println("after " + (index + 1) + " VMs: " + leak.orElse("no leak"));
                    if (leak.isPresent()) {
                        findings++;
                        System.out.println(leak.get());
                    }
                }
            }
            String summary = "guest fuzz campaign seed " + hex(campaignSeed) + ": " + index + " VMs, " + findings
                    + " findings; endings " + endings;
            log.println(summary);
            System.out.println(summary);
        } finally {
            try (var left = Files.list(tmp)) {
                if (left.findAny().isPresent()) {
                    System.out.println("run directories were left in " + tmp);
                    findings++;
                } else {
                    Files.delete(tmp);
                }
            } catch (IOException e) {
                System.out.println("cannot check " + tmp + ": " + e);
            }
        }
        System.exit(findings == 0 ? 0 : 1);
    }
}
