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
     * Runs {@code program} with {@code args} in a fresh micro-VM and waits for it to end.
     *
     * @throws SandboxException when the program cannot be run at all (missing, unknown type,
     *     malformed) or the host fails; how the program itself ended is in the result
     */
    public RunResult run(Path program, String... args) throws SandboxException {
        CompletableFuture<RunResult> future = runAsync(program, args);
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
                future.complete(execute(runId, program, List.of(args), stop));
            } catch (SandboxException | RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    private RunResult execute(String runId, Path program, List<String> args, AtomicReference<Runnable> stop)
            throws SandboxException {
        Program loaded = Program.load(program, config.memorySize());
        CapturedOutput stdout = new CapturedOutput(config.stdout(), config.outputLimit());
        CapturedOutput stderr = new CapturedOutput(config.stderr(), config.outputLimit());
        try (RunDirectory tmp = RunDirectory.create(config.tmpDirectory(), runId);
                HostIo io = GuestFileSystem.open(config, loaded, tmp.path(),
                        stdout, stderr)) {
            List<String> argv = new java.util.ArrayList<>();
            argv.add(loaded.guestPath());
            argv.addAll(args);
            MicroVm.Launch launch = new MicroVm.Launch(kernelImage, loaded.bytes(), loaded.guestPath(), argv,
                    environment(), config.memorySize(), config.syscallTable(), io, config.timeout(),
                    config.limits().cpuTime(),
                    config.logDirectory(), runId);
            long start = System.nanoTime();
            MicroVm.Report report = MicroVm.run(hypervisor, launch, stop::set);
            Duration duration = Duration.ofNanos(System.nanoTime() - start);
            LOG.debug("{} {}: {} in {} ms", runId, program, report.termination().describe(), duration.toMillis());
            return new RunResult(report.termination(), stdout.toByteArray(), stderr.toByteArray(),
                    stdout.truncated() || stderr.truncated(), duration, names(report.unsupportedSyscalls()),
                    ResourceLimit.reached(io.limitsReached(), stdout.truncated() || stderr.truncated()));
        } catch (HypervisorException e) {
            throw Hypervisors.translate(e);
        } catch (GuestImageException e) {
            throw new SandboxException(SandboxException.Reason.MALFORMED_PROGRAM,
                    "cannot run " + program + ": " + e.getMessage(), e);
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
