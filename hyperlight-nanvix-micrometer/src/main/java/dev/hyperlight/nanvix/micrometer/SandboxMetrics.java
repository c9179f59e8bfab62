package dev.hyperlight.nanvix.micrometer;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunReport;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxListener;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.syscall.SyscallDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Keeps a sandbox's runs and the calls their guests forward as Micrometer meters: give it to
 * {@link RuntimeConfig.Builder#listener}.
 *
 * <pre>{@code
 * SandboxMetrics metrics = new SandboxMetrics(registry, Tags.of("service", "grader"));
 * try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().listener(metrics).build())) { ... }
 * }</pre>
 *
 * <table>
 * <caption>Meters (each with the tags given to the constructor too)</caption>
 * <tr><th>name</th><th>type</th><th>tags</th></tr>
 * <tr><td>{@value #RUNS}</td><td>counter</td><td>{@code termination} ({@link Termination#kind()}), {@code runtime}</td></tr>
 * <tr><td>{@value #RUN_DURATION}</td><td>timer</td><td>{@code termination}, {@code runtime}</td></tr>
 * <tr><td>{@value #FORWARDED_CALLS}</td><td>counter</td><td>{@code syscall} (Linux's name), {@code decision} ({@link SyscallDecision#label()})</td></tr>
 * <tr><td>{@value #LIMITS_REACHED}</td><td>counter</td><td>{@code limit}</td></tr>
 * </table>
 *
 * <p>{@code runtime} is the runtime's name ({@code javascript}, {@code python}) or {@code none} for
 * an ELF program. {@code limit} is a {@link ResourceLimit} ({@code output}, {@code open_files},
 * {@code tmp_quota}, {@code memory}) or a limit that stopped the run ({@code timeout}, {@code
 * cpu_time}). Every tag has a bounded set of values, whatever a guest does: a call number that
 * x86-64 Linux does not assign counts as {@code syscall=unknown}.
 *
 * <p>Forwarded calls are hot: counting one is an array read and a counter increment, with no
 * allocation once its counter exists (each is made on first use). Thread-safe.
 */
public final class SandboxMetrics implements SandboxListener {

    public static final String RUNS = "hyperlight.nanvix.runs";
    public static final String RUN_DURATION = "hyperlight.nanvix.run.duration";
    public static final String FORWARDED_CALLS = "hyperlight.nanvix.forwarded.calls";
    public static final String LIMITS_REACHED = "hyperlight.nanvix.limits.reached";

    /** The {@code syscall} tag of numbers x86-64 Linux does not assign. */
    public static final String UNKNOWN_SYSCALL = "unknown";

    /** One counter slot per assigned call number, and the last for every other number. */
    private static final int UNKNOWN_SLOT = Arrays.stream(Sysno.values()).mapToInt(Sysno::number).max().orElseThrow() + 1;
    private static final SyscallDecision[] DECISIONS = SyscallDecision.values();

    private final MeterRegistry registry;
    private final Tags tags;
    /** By {@code slot * DECISIONS.length + decision.ordinal()}; made on first use. */
    private final AtomicReferenceArray<Counter> callCounters =
            new AtomicReferenceArray<>((UNKNOWN_SLOT + 1) * DECISIONS.length);

    public SandboxMetrics(MeterRegistry registry) {
        this(registry, Tags.empty());
    }

    /** Meters in {@code registry}, each with {@code tags} besides its own. */
    public SandboxMetrics(MeterRegistry registry, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    @Override
    public void runEnded(RunReport run) {
        RunResult result = run.result();
        Tags runTags = tags.and("termination", result.termination().kind(),
                "runtime", run.runtime().map(GuestRuntime::name).orElse("none"));
        registry.counter(RUNS, runTags).increment();
        registry.timer(RUN_DURATION, runTags).record(result.duration());
        for (String limit : limitsReached(result)) {
            registry.counter(LIMITS_REACHED, tags.and("limit", limit)).increment();
        }
    }

    /** The limits a run ran into, those that stopped it included. */
    private static List<String> limitsReached(RunResult result) {
        List<String> limits = new ArrayList<>();
        result.limitsReached().forEach(limit -> limits.add(limit.name().toLowerCase(Locale.ROOT)));
        switch (result.termination()) {
            case Termination.TimedOut ignored -> limits.add("timeout");
            case Termination.CpuTimeExceeded ignored -> limits.add("cpu_time");
            default -> { }
        }
        return limits;
    }

    @Override
    public void callDecided(long number, SyscallDecision decision, long result, long nanos) {
        int slot = number >= 0 && number < UNKNOWN_SLOT ? (int) number : UNKNOWN_SLOT;
        int index = slot * DECISIONS.length + decision.ordinal();
        Counter counter = callCounters.get(index);
        if (counter == null) {
            // Two threads may both get here: the registry hands both the same counter.
            counter = registry.counter(FORWARDED_CALLS, tags.and("syscall", syscallName(slot),
                    "decision", decision.label()));
            callCounters.set(index, counter);
        }
        counter.increment();
    }

    private static String syscallName(int slot) {
        return slot == UNKNOWN_SLOT ? UNKNOWN_SYSCALL : Sysno.of(slot).map(Sysno::linuxName).orElse(UNKNOWN_SYSCALL);
    }
}
