package dev.hyperlight.nanvix.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunReport;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.VmStart;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.syscall.SyscallDecision;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The meters a {@link SandboxMetrics} keeps, fed as a sandbox feeds its listener. */
class SandboxMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SandboxMetrics metrics = new SandboxMetrics(registry, Tags.of("service", "test"));

    private static RunReport run(Termination termination, Duration duration, Optional<GuestRuntime> runtime,
            Set<ResourceLimit> limits) {
        RunResult result = new RunResult(termination, new byte[0], new byte[0], limits.contains(ResourceLimit.OUTPUT),
                duration, Map.of(), limits, Map.of());
        return new RunReport("run-1", "hello", runtime, VmStart.COLD, result);
    }

    private double count(String name, String... tags) {
        return registry.get(name).tags("service", "test").tags(tags).counter().count();
    }

    @Test
    void runsAreCountedAndTimedByTerminationAndRuntime() {
        metrics.runEnded(run(new Termination.Exited(0), Duration.ofMillis(40), Optional.empty(), Set.of()));
        metrics.runEnded(run(new Termination.Exited(3), Duration.ofMillis(60), Optional.empty(), Set.of()));
        metrics.runEnded(run(new Termination.Faulted(11, "page fault at 0x0", 0x401000), Duration.ofMillis(5),
                Optional.of(GuestRuntime.PYTHON), Set.of()));

        assertThat(count(SandboxMetrics.RUNS, "termination", "exited", "runtime", "none")).isEqualTo(2);
        assertThat(count(SandboxMetrics.RUNS, "termination", "faulted", "runtime", "python")).isEqualTo(1);
        Timer exited = registry.get(SandboxMetrics.RUN_DURATION).tags("termination", "exited", "runtime", "none")
                .timer();
        assertThat(exited.count()).isEqualTo(2);
        assertThat(exited.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100);
        assertThat(registry.find(SandboxMetrics.LIMITS_REACHED).meters()).isEmpty();
    }

    @Test
    void limitsAreCountedWhetherTheyStoppedTheRunOrNot() {
        metrics.runEnded(run(new Termination.TimedOut(Duration.ofSeconds(1)), Duration.ofSeconds(1), Optional.empty(),
                Set.of(ResourceLimit.OUTPUT, ResourceLimit.TMP_QUOTA)));
        metrics.runEnded(run(new Termination.CpuTimeExceeded(Duration.ofSeconds(1)), Duration.ofSeconds(2),
                Optional.of(GuestRuntime.JAVASCRIPT), Set.of(ResourceLimit.OUTPUT)));

        assertThat(count(SandboxMetrics.LIMITS_REACHED, "limit", "output")).isEqualTo(2);
        assertThat(count(SandboxMetrics.LIMITS_REACHED, "limit", "tmp_quota")).isEqualTo(1);
        assertThat(count(SandboxMetrics.LIMITS_REACHED, "limit", "timeout")).isEqualTo(1);
        assertThat(count(SandboxMetrics.LIMITS_REACHED, "limit", "cpu_time")).isEqualTo(1);
        assertThat(count(SandboxMetrics.RUNS, "termination", "cpu_time_exceeded", "runtime", "javascript"))
                .isEqualTo(1);
    }

    @Test
    void forwardedCallsAreCountedByNameAndDecision() {
        metrics.callDecided(Sysno.WRITE.number(), SyscallDecision.ACCEPTED, 5, 1_000);
        metrics.callDecided(Sysno.WRITE.number(), SyscallDecision.ACCEPTED, 5, 1_000);
        metrics.callDecided(Sysno.SOCKET.number(), SyscallDecision.BLOCKED, Errno.EACCES.result(), 300);
        metrics.callDecided(Sysno.OPENAT.number(), SyscallDecision.INTERCEPTED, 3, 2_000);

        assertThat(count(SandboxMetrics.FORWARDED_CALLS, "syscall", "write", "decision", "accepted")).isEqualTo(2);
        assertThat(count(SandboxMetrics.FORWARDED_CALLS, "syscall", "socket", "decision", "blocked")).isEqualTo(1);
        assertThat(count(SandboxMetrics.FORWARDED_CALLS, "syscall", "openat", "decision", "intercepted"))
                .isEqualTo(1);
    }

    @Test
    void numbersLinuxDoesNotAssignShareOneTagValue() {
        for (long number : new long[] {-1, 100_000, 1L << 40, Long.MAX_VALUE, 400 /* unassigned on x86-64 */}) {
            metrics.callDecided(number, SyscallDecision.NO_ENTRY, Errno.ENOSYS.result(), 0);
        }
        assertThat(registry.find(SandboxMetrics.FORWARDED_CALLS).meters()).singleElement()
                .extracting(Meter::getId).satisfies(id -> {
                    assertThat(id.getTag("syscall")).isEqualTo(SandboxMetrics.UNKNOWN_SYSCALL);
                    assertThat(id.getTag("decision")).isEqualTo("no_entry");
                });
        assertThat(count(SandboxMetrics.FORWARDED_CALLS, "syscall", "unknown", "decision", "no_entry")).isEqualTo(5);
    }

    @Test
    void countingACallWhoseCounterExistsAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        metrics.callDecided(Sysno.READ.number(), SyscallDecision.ACCEPTED, 1, 100); // makes the counter
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) {
            metrics.callDecided(Sysno.READ.number(), SyscallDecision.ACCEPTED, 1, 100);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // 100 000 calls: even one small object each would be megabytes.
        assertThat(allocated).as("bytes allocated by 100 000 counted calls").isLessThan(64 * 1024);
        assertThat(count(SandboxMetrics.FORWARDED_CALLS, "syscall", "read", "decision", "accepted"))
                .isEqualTo(100_001);
    }
}
