package dev.hyperlight.nanvix.benchmarks;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.hypervisor.Deployment;
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
 * Memory per live sandbox, while {@code sandboxes} idle guests are alive at once, as secondary
 * results: {@code guestRamKibPerSandbox}, the resident part of this JVM's guest RAM mappings (what
 * the guest touched, counting a warm clone's pages shared with its template; in the multi-process
 * deployment only what this JVM itself touched of the VMM's RAM), {@code
 * guestRamPrivateKibPerSandbox}, their private part (what each guest costs on its own: a warm
 * clone's pages written since the capture), {@code residentKibPerSandbox}, the growth of this
 * whole process's resident set (guest RAM plus the VMM's buffers and threads; noisier, as the
 * JVM's own heap moves with it), and {@code allProcessesPssKibPerSandbox}, the growth of the
 * proportional set size of this JVM and every VMM process together (shared pages counted once,
 * split between the processes mapping them): the figure that compares deployments.
 * The primary result is the time to start them all. Memory the kernel keeps for each VM (KVM's
 * structures, shadow page tables) is in neither. JMH sums auxiliary counters over the measurement
 * iterations: divide the reported figures by their number (3 unless {@code -i} says otherwise).
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

        /** {@code warm} (the default configuration; the warm-up iteration makes the template) or {@code cold}. */
        @Param({"warm", "cold"})
        public String start;

        /** {@code in-process}, {@code multi-process} or {@code multi-process:N}, as the CLI spells them. */
        @Param({"in-process"})
        public String deployment;

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
            sandbox = new Sandbox(RuntimeConfig.builder().timeout(Duration.ofMinutes(10)).warmStarts(start.equals("warm"))
                    .deployment(Deployment.parse(deployment)).stdout(countLines).build());
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
        public long guestRamKibPerSandbox;
        public long guestRamPrivateKibPerSandbox;
        public long residentKibPerSandbox;
        public long allProcessesPssKibPerSandbox;
    }

    /** Starts the idle guests, waits until all are up, measures, then stops them. */
    @Benchmark
    public void liveSandboxes(Idle idle, Resident resident) throws Exception {
        idle.readyLines.drainPermits();
        long before = residentKib();
        long pssBefore = allProcessesPssKib();
        List<CompletableFuture<RunResult>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < idle.sandboxes; i++) {
                runs.add(idle.start());
            }
            if (!idle.readyLines.tryAcquire(idle.sandboxes, 5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the idle guests did not all start: " + runs);
            }
            resident.residentKibPerSandbox = (residentKib() - before) / idle.sandboxes;
            resident.allProcessesPssKibPerSandbox = (allProcessesPssKib() - pssBefore) / idle.sandboxes;
            resident.guestRamKibPerSandbox = guestRamKib("Rss:") / idle.sandboxes;
            resident.guestRamPrivateKibPerSandbox = (guestRamKib("Private_Clean:") + guestRamKib("Private_Dirty:"))
                    / idle.sandboxes;
        } finally {
            runs.forEach(run -> run.cancel(true));
            for (CompletableFuture<RunResult> run : runs) {
                run.handle((result, failure) -> null).get(1, TimeUnit.MINUTES);
            }
        }
    }

    /**
     * The resident kilobytes of every mapping exactly the size of a VM's guest RAM (the library's
     * default 256 MiB; the guard pages around it are separate mappings), from /proc/self/smaps.
     */
    private static long guestRamKib(String field) throws IOException {
        long ramKib = RuntimeConfig.DEFAULT_MEMORY / 1024;
        long total = 0;
        boolean inGuestRam = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.startsWith("Size:")) {
                inGuestRam = kib(line) == ramKib;
            } else if (line.startsWith(field) && inGuestRam) {
                total += kib(line);
            }
        }
        return total;
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /** Pss of this process and of its children (the VMM processes), from smaps_rollup. */
    private static long allProcessesPssKib() throws IOException {
        long total = pssKib(ProcessHandle.current().pid());
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            total += pssKib(child.pid());
        }
        return total;
    }

    private static long pssKib(long pid) throws IOException {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return kib(line);
                }
            }
        } catch (java.nio.file.NoSuchFileException ended) {
            return 0; // a child that ended meanwhile holds nothing
        }
        return 0;
    }

    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return kib(line);
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
