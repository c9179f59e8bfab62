package dev.hyperlight.nanvix.benchmarks;

import dev.hyperlight.nanvix.Mount;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The library as a user calls it: {@link Sandbox#run} from the call to the result, a
 * fresh micro-VM each time. Paths are relative to the repository root, the working directory
 * {@code benchmarks/jmh} runs in.
 */
@Fork(1)
public class LibraryBenchmarks {

    /**
     * One sandbox (the hypervisor opened, the guest kernel loaded) shared by the benchmark's
     * threads; {@code start}: {@code warm} (the default configuration: runs of a runtime are clones
     * of its template, made by the first warm-up run) or {@code cold} (warm starts off); {@code
     * deployment}: {@code in-process} (the default) or {@code multi-process} (each VM in a VMM
     * process; docs/architecture.md, "Deployments").
     */
    @State(Scope.Benchmark)
    public static class Library {
        @Param({"warm", "cold"})
        public String start;

        @Param({"in-process"})
        public String deployment;

        Sandbox sandbox;

        @Setup
        public void open() throws SandboxException {
            sandbox = new Sandbox(RuntimeConfig.builder().timeout(Duration.ofMinutes(2)).warmStarts(start.equals("warm"))
                    .deployment(Deployment.parse(deployment)).stdout(OutputStream.nullOutputStream()).build());
        }

        @TearDown
        public void close() {
            sandbox.close();
        }
    }

    /** Which example: {@code hello-c} (static C), {@code hello.py} (CPython 3.11), {@code hello.js} (QuickJS). */
    @State(Scope.Benchmark)
    public static class Workload {
        @Param({"hello-c", "hello.py", "hello.js"})
        public String program;

        Path path;

        @Setup
        public void locate() {
            path = Workloads.example(program);
        }
    }

    /**
     * Start to exit: VM creation (a clone of the runtime's template when warm; a fresh boot of the
     * guest kernel and the program when cold, and always for {@code hello-c}), the program's run,
     * VM destruction.
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, batchSize = 1)
    @Measurement(iterations = 10, batchSize = 1)
    public RunResult startToExit(Library library, Workload workload) throws SandboxException {
        return Workloads.succeeded(library.sandbox.run(workload.path));
    }

    /** Runs of {@code hello-c} per second, one after the other. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 3)
    @Measurement(iterations = 5, time = 3)
    @Threads(1)
    public RunResult runsPerSecondSequential(Library library) throws SandboxException {
        return Workloads.succeeded(library.sandbox.run(Workloads.example("hello-c")));
    }

    /** Runs of {@code hello-c} per second, two at a time (two threads, each its own VM). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 3)
    @Measurement(iterations = 5, time = 3)
    @Threads(2)
    public RunResult runsPerSecondTwoConcurrent(Library library) throws SandboxException {
        return Workloads.succeeded(library.sandbox.run(Workloads.example("hello-c")));
    }

    /**
     * A guest making forwarded {@code lseek} calls without end, which a host handler answers with 0
     * at once (a null call) and counts: each benchmark operation waits for the next call.
     */
    @State(Scope.Benchmark)
    public static class ForwardedCalls {
        /** As {@link Library#deployment}: in the multi-process deployment each call crosses the VMM's ring. */
        @Param({"in-process"})
        public String deployment;

        final Semaphore arrived = new Semaphore(0);
        Sandbox sandbox;
        CompletableFuture<RunResult> run;

        @Setup(Level.Trial)
        public void start() throws SandboxException {
            SyscallTable table = SyscallTable.defaults().with(Syscall.LSEEK, SyscallAction.intercept((call, next) -> {
                arrived.release();
                return 0;
            }));
            sandbox = new Sandbox(RuntimeConfig.builder().deployment(Deployment.parse(deployment)).syscallTable(table)
                    .timeout(Duration.ofHours(1)).build());
            run = sandbox.runAsync(Workloads.guest("forwarded-calls"));
        }

        @Setup(Level.Iteration)
        public void forgetEarlierCalls() {
            arrived.drainPermits();
        }

        @TearDown(Level.Trial)
        public void stop() {
            run.cancel(true);
            sandbox.close();
        }
    }

    /** One forwarded null system call, user mode to host handler and back; compare with {@code KvmBenchmarks.exitRoundTrip}. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public void forwardedNullCall(ForwardedCalls calls) throws Exception {
        awaitNextCall(calls.arrived, calls.run);
    }

    /**
     * The same guest reading 64 KiB from a host file without end ({@code pread64} at offset 0 of a
     * file in a read-only mount): the host's file straight into the program's buffer. Each
     * benchmark operation waits for the next read to arrive at the host, which then serves it.
     */
    @State(Scope.Benchmark)
    public static class ForwardedReads {
        @Param({"in-process"})
        public String deployment;

        final Semaphore arrived = new Semaphore(0);
        Path directory;
        Sandbox sandbox;
        CompletableFuture<RunResult> run;

        @Setup(Level.Trial)
        public void start() throws Exception {
            directory = Files.createTempDirectory("forwarded-reads");
            Files.write(directory.resolve("data"), new byte[64 * 1024]);
            SyscallTable table = SyscallTable.defaults().with(Syscall.PREAD64, SyscallAction.intercept((call, next) -> {
                arrived.release();
                return next.proceed(call);
            }));
            sandbox = new Sandbox(RuntimeConfig.builder().deployment(Deployment.parse(deployment)).syscallTable(table)
                    .mount(Mount.readOnly("/data", directory)).timeout(Duration.ofHours(1)).build());
            run = sandbox.runAsync(Workloads.guest("forwarded-calls"), "read", "/data/data");
        }

        @Setup(Level.Iteration)
        public void forgetEarlierCalls() {
            arrived.drainPermits();
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            run.cancel(true);
            sandbox.close();
            Files.delete(directory.resolve("data"));
            Files.delete(directory);
        }
    }

    /** One 64 KiB {@code pread64} from a host file into the program's buffer; compare with {@link #forwardedNullCall}. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public void forwardedRead64k(ForwardedReads reads) throws Exception {
        awaitNextCall(reads.arrived, reads.run);
    }

    /** Waits until the guest's next call has reached the host's interceptor. */
    private static void awaitNextCall(Semaphore arrived, CompletableFuture<RunResult> run) throws InterruptedException {
        if (!arrived.tryAcquire(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the guest stopped making calls: " + run);
        }
    }
}
