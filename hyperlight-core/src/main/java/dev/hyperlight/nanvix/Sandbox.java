package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.loader.AbiVersion;
import dev.hyperlight.nanvix.loader.GuestImageException;
import dev.hyperlight.nanvix.vmm.GuestEnd;
import dev.hyperlight.nanvix.vmm.MicroVm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs programs in hardware-isolated micro-VMs: one fresh VM per run, destroyed after it.
 *
 * <pre>{@code
 * try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().timeout(Duration.ofSeconds(5)).build())) {
 *     RunResult result = sandbox.run(Path.of("guest-examples/hello-c"), "world");
 *     System.out.print(result.stdoutText());
 *     sandbox.run(Path.of("guest-examples/hello.js"));              // a script: its runtime by file type
 *     sandbox.runCode(GuestRuntime.JAVASCRIPT, "console.log(6 * 7)"); // code as a string
 * }
 * }</pre>
 *
 * <p>A sandbox is thread-safe: several runs may go on at once, each in its own VM on its own
 * vCPU thread. Cancelling a run's future, or closing the sandbox, stops the run's VMs and waits
 * for its threads to end (at most {@link #STOP_WAIT}), so no VM or vCPU thread outlives either.
 */
public final class Sandbox implements AutoCloseable {

    /**
     * How long {@link #close()} and a cancel wait for a stopped run's threads to end. A stopped
     * VM leaves the guest at once; what can take longer is a host call the stop cannot interrupt,
     * such as a read of a caller's {@code stdin} stream that blocks.
     */
    public static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

    private final RuntimeConfig config;
    private final Hypervisor hypervisor;
    private final byte[] kernelImage;
    private final RuntimeImages runtimeImages;
    private final Duration stopWait;
    private final AtomicLong runCounter = new AtomicLong();
    /** The runs whose threads have not ended; guards {@link #closed} too. */
    private final Set<ActiveRun> activeRuns = new HashSet<>();
    private boolean closed;

    /**
     * Opens the hypervisor and loads the guest kernel.
     *
     * @throws SandboxException when no hypervisor can be used (missing device, no permission,
     *     unsupported API)
     */
    public Sandbox(RuntimeConfig config) throws SandboxException {
        this(config, Hypervisors.open(), STOP_WAIT);
    }

    /** A sandbox on {@code hypervisor}, which it owns from now on, waiting {@code stopWait} for stopped runs. */
    Sandbox(RuntimeConfig config, Hypervisor hypervisor, Duration stopWait) {
        this.config = config;
        this.hypervisor = hypervisor;
        this.stopWait = stopWait;
        try {
            this.kernelImage = GuestKernel.image();
            this.runtimeImages = RuntimeImages.of(config);
        } catch (RuntimeException e) {
            hypervisor.close();
            throw e;
        }
    }

    /** The library version. */
    public static String version() {
        try (InputStream in = Sandbox.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The version of the host-guest interface this library speaks (docs/guest-abi.md). */
    public static int guestAbiVersion() {
        return AbiVersion.CURRENT;
    }

    public RuntimeConfig config() {
        return config;
    }

    /**
     * Runs {@code program} with {@code args} in a fresh micro-VM and waits for it to end. An ELF
     * executable runs itself; a script runs with the {@linkplain GuestRuntime#forFile built-in
     * runtime} for its file type ({@code .js}, {@code .mjs}: QuickJS). Its directory is mounted
     * read-only at {@code /app}, the working directory.
     *
     * @throws SandboxException when the program cannot be run at all (missing, unknown type,
     *     malformed, runtime unavailable) or the host fails; how the program itself ended is in
     *     the result
     */
    public RunResult run(Path program, String... args) throws SandboxException {
        return await(runAsync(program, args));
    }

    /** Runs {@code script} with {@code runtime}, whatever its extension says; see {@link #run(Path, String...)}. */
    public RunResult run(GuestRuntime runtime, Path script, String... args) throws SandboxException {
        return await(runAsync(runtime, script, args));
    }

    /**
     * Runs {@code code} with {@code runtime} ({@code qjs --std -e CODE ARGS...} for {@link
     * GuestRuntime#JAVASCRIPT}). No {@code /app} exists; the working directory is {@code /tmp}.
     */
    public RunResult runCode(GuestRuntime runtime, String code, String... args) throws SandboxException {
        return await(runCodeAsync(runtime, code, args));
    }

    /**
     * Runs {@code runtime}'s interpreter with {@code arguments} as its own command line, unchanged
     * (e.g. {@code --bignum test.js}), with {@code workingDirectory} mounted read-only at {@code
     * /app}, the working directory.
     */
    public RunResult runInterpreter(GuestRuntime runtime, Path workingDirectory, String... arguments)
            throws SandboxException {
        return await(runInterpreterAsync(runtime, workingDirectory, arguments));
    }

    /** {@link #run(GuestRuntime, Path, String...)} on its own vCPU thread; see {@link #runAsync(Path, String...)}. */
    public CompletableFuture<RunResult> runAsync(GuestRuntime runtime, Path script, String... args) {
        List<String> arguments = List.of(args);
        return start(script.toString(),
                () -> GuestCommand.forScript(runtime, script, arguments, runtimeImages, config.memorySize()));
    }

    /** {@link #runCode} on its own vCPU thread; see {@link #runAsync(Path, String...)}. */
    public CompletableFuture<RunResult> runCodeAsync(GuestRuntime runtime, String code, String... args) {
        List<String> arguments = List.of(args);
        return start(runtime.name() + " code",
                () -> GuestCommand.forCode(runtime, code, arguments, runtimeImages, config.memorySize()));
    }

    /** {@link #runInterpreter} on its own vCPU thread; see {@link #runAsync(Path, String...)}. */
    public CompletableFuture<RunResult> runInterpreterAsync(GuestRuntime runtime, Path workingDirectory,
            String... arguments) {
        List<String> commandLine = List.of(arguments);
        return start(runtime.name(), () -> GuestCommand.forInterpreter(runtime, workingDirectory, commandLine,
                runtimeImages, config.memorySize()));
    }

    private static RunResult await(CompletableFuture<RunResult> future) throws SandboxException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new SandboxException(SandboxException.Reason.HOST_ERROR, "interrupted while waiting for the run");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SandboxException sandboxException) {
                throw sandboxException;
            }
            throw new SandboxException(SandboxException.Reason.HOST_ERROR,
                    "the run failed on the host: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Starts {@code program} in a fresh micro-VM on its own vCPU thread. The future completes with
     * the result, or exceptionally with a {@link SandboxException}. Cancelling it stops the run's
     * VMs and returns once its threads have ended and its VMs are destroyed, or after {@link
     * #STOP_WAIT} at the most, with an error logged naming the thread that did not end.
     */
    public CompletableFuture<RunResult> runAsync(Path program, String... args) {
        List<String> arguments = List.of(args);
        return start(program.toString(),
                () -> GuestCommand.forFile(program, arguments, runtimeImages, config.memorySize())
                        .locatedIn(config.mounts()));
    }

    /** Decides on the host, before any VM exists, what a run starts; refusals are one sentence. */
    @FunctionalInterface
    private interface CommandPlan {
        GuestCommand prepare() throws SandboxException;
    }

    private CompletableFuture<RunResult> start(String description, CommandPlan plan) {
        String runId = "run-" + runCounter.incrementAndGet();
        ActiveRun run = new ActiveRun("hyperlight-vcpu-" + runId);
        CompletableFuture<RunResult> future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                run.stop();
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                awaitEnd(List.of(run));
                return cancelled;
            }
        };
        synchronized (activeRuns) {
            if (closed) {
                throw new IllegalStateException("the sandbox is closed");
            }
            activeRuns.add(run);
        }
        run.start(() -> {
            try {
                future.complete(execute(runId, description, plan.prepare(), run));
            } catch (SandboxException | RuntimeException e) {
                future.completeExceptionally(e);
            } finally {
                synchronized (activeRuns) {
                    activeRuns.remove(run);
                }
            }
        });
        return future;
    }

    /**
     * Waits for the runs' threads, at most {@link #STOP_WAIT} in all; the names of those still
     * running, each logged as an error. A run's own thread (a sink of its output may cancel it or
     * close the sandbox) does not wait for itself.
     */
    private List<String> awaitEnd(List<ActiveRun> runs) {
        long deadline = System.nanoTime() + stopWait.toNanos();
        List<String> stillRunning = new ArrayList<>();
        boolean interrupted = false;
        for (ActiveRun run : runs) {
            if (run.isCurrentThread()) {
                continue;
            }
            try {
                if (!run.awaitEnd(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    stillRunning.add(run.threadName());
                }
            } catch (InterruptedException e) {
                interrupted = true; // stop waiting, but tell the caller's thread
                deadline = System.nanoTime();
                stillRunning.add(run.threadName());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        stillRunning.forEach(name -> LOG.error("{} did not end within {} ms of being stopped; its VM is destroyed"
                + " only when it does", name, stopWait.toMillis()));
        return stillRunning;
    }

    private RunResult execute(String runId, String description, GuestCommand command, ActiveRun run)
            throws SandboxException {
        CapturedOutput stdout = new CapturedOutput(config.stdout(), config.outputLimit());
        CapturedOutput stderr = new CapturedOutput(config.stderr(), config.outputLimit());
        try (RunDirectory tmp = RunDirectory.create(config.tmpDirectory(), runId);
                HostIo io = GuestFileSystem.open(config, command, tmp.path(),
                        stdout, stderr)) {
            MicroVm.Launch launch = new MicroVm.Launch(kernelImage, command.executable().bytes(),
                    command.executablePath(), command.argv(),
                    environment(), config.memorySize(), config.syscallTable(), io, config.timeout(),
                    config.limits().cpuTime(),
                    config.logDirectory(), runId);
            long start = System.nanoTime();
            MicroVm.Report report = MicroVm.run(hypervisor, launch, run::stopWith);
            Duration duration = Duration.ofNanos(System.nanoTime() - start);
            Termination termination = termination(report.end());
            LOG.debug("{} {}: {} in {} ms", runId, description, termination.describe(), duration.toMillis());
            return new RunResult(termination, stdout.toByteArray(), stderr.toByteArray(),
                    stdout.truncated() || stderr.truncated(), duration, names(report.unsupportedSyscalls()),
                    ResourceLimit.reached(io.limitsReached(), stdout.truncated() || stderr.truncated(),
                            report.memoryLimitReached()));
        } catch (HypervisorException e) {
            throw Hypervisors.translate(e);
        } catch (GuestImageException e) {
            throw new SandboxException(SandboxException.Reason.MALFORMED_PROGRAM,
                    "cannot run " + description + ": " + e.getMessage(), e);
        } catch (CancellationException e) {
            throw new SandboxException(SandboxException.Reason.HOST_ERROR, "the run was cancelled", e);
        }
    }

    /** The API's view of how the VMM saw the guest end. */
    private static Termination termination(GuestEnd end) {
        return switch (end) {
            case GuestEnd.Exited e -> new Termination.Exited(e.status());
            case GuestEnd.TimedOut t -> new Termination.TimedOut(t.limit());
            case GuestEnd.CpuTimeExceeded c -> new Termination.CpuTimeExceeded(c.limit());
            case GuestEnd.Faulted f -> new Termination.Faulted(f.signal(), f.detail(), f.instructionPointer());
            case GuestEnd.AuditFailed a -> new Termination.AuditFailed(a.reason());
            case GuestEnd.VmFailed v -> new Termination.VmFailed(v.reason());
        };
    }

    private List<String> environment() {
        return config.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static Map<String, Integer> names(Map<Integer, Integer> bySyscallNumber) {
        Map<String, Integer> byName = new LinkedHashMap<>();
        bySyscallNumber.forEach((number, count) -> byName.merge(Sysno.nameOf(number), count, Integer::sum));
        return byName;
    }

    /**
     * Refuses new runs, stops the runs still going on (they end as {@link Termination.VmFailed},
     * "the run was cancelled"), waits for their threads to end and their VMs to be destroyed, and
     * releases the hypervisor.
     *
     * @throws IllegalStateException when a run's thread has not ended {@link #STOP_WAIT} after it
     *     was stopped (the hypervisor is released all the same; that run's VM goes when it ends)
     */
    @Override
    public void close() {
        List<ActiveRun> running;
        synchronized (activeRuns) {
            closed = true;
            running = List.copyOf(activeRuns);
        }
        running.forEach(ActiveRun::stop);
        List<String> stillRunning = awaitEnd(running);
        hypervisor.close();
        if (!stillRunning.isEmpty()) {
            throw new IllegalStateException("the sandbox is closed, but these vCPU threads did not end within "
                    + stopWait.toMillis() + " ms of being stopped: " + String.join(", ", stillRunning));
        }
    }
}
