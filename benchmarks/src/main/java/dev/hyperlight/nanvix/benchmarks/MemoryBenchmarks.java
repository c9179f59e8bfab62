package dev.hyperlight.nanvix.benchmarks;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Memory per live sandbox: the growth of this process's resident set (guest RAM the guest
 * touched, the VMM's buffers) while {@code sandboxes} idle guests are alive at once, divided by
 * their number. Reported as the secondary result {@code residentKibPerSandbox}; the primary one
 * is the time to start them all. Memory the kernel keeps for each VM (KVM's own structures, shadow
 * page tables) is not in the resident set and not counted.
 */
@Fork(1)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, batchSize = 1)
@Measurement(iterations = 3, batchSize = 1)
public class MemoryBenchmarks {

    /** The idle guest: {@code c} (a static C program that sleeps) or {@code python} (CPython started, then asleep). */
    @State(Scope.Benchmark)
    public static class Idle {
        @Param({"c", "python"})
        public String guest;

        @Param({"4"})
        public int sandboxes;

        /** Every idle guest writes one line once it is up; the sandbox's stdout counts them here. */
        final Semaphore readyLines = new Semaphore(0);
        Sandbox sandbox;

        @Setup
        public void open() throws SandboxException {
            OutputStream countLines = new OutputStream() {
                @Override
                public void write(int b) {
                    if (b == '\n') {
                        readyLines.release();
                    }
                }
            };
            sandbox = new Sandbox(RuntimeConfig.builder().timeout(Duration.ofMinutes(10)).stdout(countLines).build());
        }

        @TearDown
        public void close() {
            sandbox.close();
        }

        CompletableFuture<RunResult> start() {
            return switch (guest) {
                case "c" -> sandbox.runAsync(Workloads.guest("idle"));
                case "python" -> sandbox.runCodeAsync(GuestRuntime.PYTHON,
                        "import time; print('ready', flush=True); time.sleep(3600)");
                default -> throw new IllegalArgumentException("unknown idle guest " + guest);
            };
        }
    }

    /** The secondary result JMH reports next to the time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Resident {
        public long residentKibPerSandbox;
    }

    /** Starts the idle guests, waits until all are up, measures, then stops them. */
    @Benchmark
    public void liveSandboxes(Idle idle, Resident resident) throws Exception {
        idle.readyLines.drainPermits();
        long before = residentKib();
        List<CompletableFuture<RunResult>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < idle.sandboxes; i++) {
                runs.add(idle.start());
            }
            if (!idle.readyLines.tryAcquire(idle.sandboxes, 5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the idle guests did not all start: " + runs);
            }
            resident.residentKibPerSandbox = (residentKib() - before) / idle.sandboxes;
        } finally {
            runs.forEach(run -> run.cancel(true));
            for (CompletableFuture<RunResult> run : runs) {
                run.handle((result, failure) -> null).get(1, TimeUnit.MINUTES);
            }
        }
    }

    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
