package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.loader.AbiVersion;
import dev.hyperlight.nanvix.loader.GuestImageException;
import dev.hyperlight.nanvix.syscall.Sysno;
import dev.hyperlight.nanvix.vmm.MicroVm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * vCPU thread. Closing it releases the hypervisor; runs still going on end first.
 */
public final class Sandbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

    private final RuntimeConfig config;
    private final Hypervisor hypervisor;
    private final byte[] kernelImage;
    private final RuntimeImages runtimeImages;
    private final AtomicLong runCounter = new AtomicLong();
    private volatile boolean closed;

    /**
     * Opens the hypervisor and loads the guest kernel.
     *
     * @throws SandboxException when no hypervisor can be used (missing device, no permission,
     *     unsupported API)
     */
    public Sandbox(RuntimeConfig config) throws SandboxException {
        this.config = config;
        this.kernelImage = GuestKernel.image();
        this.runtimeImages = new RuntimeImages(config.runtimeCacheDirectory(), Sandbox.class.getClassLoader());
        this.hypervisor = Hypervisors.open();
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
     * the result, or exceptionally with a {@link SandboxException}; cancelling it stops the VM.
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
        if (closed) {
            throw new IllegalStateException("the sandbox is closed");
        }
        AtomicReference<Runnable> stop = new AtomicReference<>(() -> {});
        CompletableFuture<RunResult> future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                stop.get().run();
                return super.cancel(mayInterruptIfRunning);
            }
        };
        String runId = "run-" + runCounter.incrementAndGet();
        Thread.ofPlatform().name("hyperlight-vcpu-" + runId).daemon(true).start(() -> {
            try {
                future.complete(execute(runId, description, plan.prepare(), stop));
            } catch (SandboxException | RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    private RunResult execute(String runId, String description, GuestCommand command,
            AtomicReference<Runnable> stop) throws SandboxException {
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
            MicroVm.Report report = MicroVm.run(hypervisor, launch, stop::set);
            Duration duration = Duration.ofNanos(System.nanoTime() - start);
            LOG.debug("{} {}: {} in {} ms", runId, description, report.termination().describe(), duration.toMillis());
            return new RunResult(report.termination(), stdout.toByteArray(), stderr.toByteArray(),
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

    private List<String> environment() {
        return config.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static Map<String, Integer> names(Map<Integer, Integer> bySyscallNumber) {
        Map<String, Integer> byName = new LinkedHashMap<>();
        bySyscallNumber.forEach((number, count) -> byName.merge(Sysno.nameOf(number), count, Integer::sum));
        return byName;
    }

    /** Releases the hypervisor. Runs already started finish; new ones are refused. */
    @Override
    public void close() {
        closed = true;
        hypervisor.close();
    }
}
