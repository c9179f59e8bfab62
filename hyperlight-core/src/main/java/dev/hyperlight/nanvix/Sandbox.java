package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoLimit;
import dev.hyperlight.nanvix.loader.AbiVersion;
import dev.hyperlight.nanvix.loader.GuestImageException;
import dev.hyperlight.nanvix.vmm.GuestEnd;
import dev.hyperlight.nanvix.vmm.MicroVm;
import dev.hyperlight.nanvix.vmm.Template;
import dev.hyperlight.nanvix.vmm.TemplateException;
import java.io.ByteArrayInputStream;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
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
 * <p>For one run with every default, {@link #run(String, String...) Sandbox.run("hello.py")}.
 * A service gives each run its own options (time limit, standard input, environment, mounts,
 * files in and out) with a {@link RunRequest}: {@link #run(RunRequest)}, {@link
 * #runAsync(RunRequest, Executor)}.
 *
 * <p>A sandbox is thread-safe: several runs may go on at once, each in its own VM on its own
 * vCPU thread (a new platform thread, or one of the caller's executor), at most {@link
 * RuntimeConfig#maxConcurrentRuns()} at a time. Cancelling a run's future, or closing the
 * sandbox, stops the run's VMs and waits for its threads to end (at most {@link #STOP_WAIT}), so
 * no VM or vCPU thread outlives either.
 *
 * <p>An exception a synchronous {@code run} throws was made on the caller's thread, with the
 * caller's stack; the one the run's own thread made is its cause. A {@code null} argument is
 * refused with a {@link NullPointerException} naming it.
 */
public final class Sandbox implements AutoCloseable {

    /**
     * How long {@link #close()} and a cancel wait for a stopped run's threads to end. A stopped
     * VM leaves the guest at once; what can take longer is a host call the stop cannot interrupt,
     * such as a read of a caller's {@code stdin} stream that blocks.
     */
    public static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** What a template's runtime may print while starting (only shown when it fails). */
    private static final int TEMPLATE_OUTPUT_LIMIT = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

    private final RuntimeConfig config;
    private final Hypervisor hypervisor;
    private final byte[] kernelImage;
    private final RuntimeImages runtimeImages;
    private final Duration stopWait;
    private final AtomicLong runCounter = new AtomicLong();
    private final Templates templates;
    private final Map<String, String> templateTags;
    private final Optional<TemplateFiles> templateFiles;
    /** One permit per run that may have VMs at once. */
    private final Semaphore runSlots;
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
        this(Objects.requireNonNull(config, "config must not be null"),
                Hypervisors.open(config.hypervisor(), config.deployment()), STOP_WAIT);
    }

    /** A sandbox on {@code hypervisor}, which it owns from now on, waiting {@code stopWait} for stopped runs. */
    Sandbox(RuntimeConfig config, Hypervisor hypervisor, Duration stopWait) {
        this.config = config;
        this.hypervisor = hypervisor;
        this.stopWait = stopWait;
        this.runSlots = new Semaphore(config.maxConcurrentRuns(), true);
        this.templates = new Templates(config.clonesPerTemplate());
        try {
            this.kernelImage = GuestKernel.image();
            this.runtimeImages = RuntimeImages.of(config);
            this.templateTags = Map.of("kernel-sha256", TemplateFiles.sha256(kernelImage), "hyperlight-nanvix", version());
            this.templateFiles = config.templateDirectory()
                    .map(directory -> new TemplateFiles(directory, hypervisor, templateTags));
        } catch (RuntimeException e) {
            hypervisor.close();
            throw e;
        }
    }

    /**
     * Runs {@code program} (a path on the host: an ELF executable, or a script run by its type,
     * such as {@code hello.py} or {@code hello.js}) with {@code args} in a sandbox of {@linkplain
     * RuntimeConfig#defaults() default configuration} opened for this run and closed after it,
     * with warm starts off (its template could never serve another run).
     *
     * <p>A static method: {@code sandbox.run("x.py")} on a configured instance, with a string
     * rather than a {@link Path}, still calls this one and ignores that sandbox's configuration
     * ({@code javac -Xlint:static} warns); on an instance, pass a {@link Path}.
     *
     * @throws SandboxException as {@link #Sandbox(RuntimeConfig)} and {@link #run(Path, String...)} do
     */
    public static RunResult run(String program, String... args) throws SandboxException {
        Path path = Path.of(Objects.requireNonNull(program, "program must not be null"));
        RunRequest request = RunRequest.program(path, args).build();
        // One run, then the sandbox is gone: a template could never be used again.
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().warmStarts(false).build())) {
            return sandbox.run(request);
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

    /** How this sandbox runs programs. */
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
        return run(RunRequest.program(program, args).build());
    }

    /** Runs {@code script} with {@code runtime}, whatever its extension says; see {@link #run(Path, String...)}. */
    public RunResult run(GuestRuntime runtime, Path script, String... args) throws SandboxException {
        return run(RunRequest.script(runtime, script, args).build());
    }

    /**
     * Runs {@code request} in a fresh micro-VM and waits for it to end: its target, with its own
     * options over the configuration's. Refusals of the request as a whole (a mount whose host
     * directory is missing, input files beyond the {@code /tmp} quota) are {@link
     * SandboxException.Reason#INVALID_CONFIGURATION}.
     *
     * @throws SandboxException as {@link #run(Path, String...)}
     */
    public RunResult run(RunRequest request) throws SandboxException {
        return await(runAsync(request));
    }

    /**
     * {@link #run(RunRequest)} on a vCPU thread of its own; see {@link #runAsync(Path, String...)}.
     */
    public CompletableFuture<RunResult> runAsync(RunRequest request) {
        Objects.requireNonNull(request, "request must not be null");
        return start(request, null);
    }

    /**
     * {@link #run(RunRequest)} as a task of {@code executor}, which must run it on a platform
     * thread (a VM's vCPU belongs to the thread that created it; a run given a virtual thread fails
     * with {@link SandboxException.Reason#INVALID_CONFIGURATION}). The task holds its thread for the
     * whole run, and for its wait for a slot when {@link RuntimeConfig#maxConcurrentRuns()} runs are
     * going on. A task the executor rejects completes the future with a {@link SandboxException}.
     * Cancelling works as for {@link #runAsync(Path, String...)}: it waits for the task to end,
     * not for the executor's thread.
     */
    public CompletableFuture<RunResult> runAsync(RunRequest request, Executor executor) {
        Objects.requireNonNull(request, "request must not be null");
        Objects.requireNonNull(executor, "executor must not be null");
        return start(request, executor);
    }

    /**
     * Runs {@code code} with {@code runtime} ({@code qjs --std -e CODE ARGS...} for {@link
     * GuestRuntime#JAVASCRIPT}). No {@code /app} exists; the working directory is {@code /tmp}.
     */
    public RunResult runCode(GuestRuntime runtime, String code, String... args) throws SandboxException {
        return run(RunRequest.code(runtime, code, args).build());
    }

    /**
     * Runs {@code runtime}'s interpreter with {@code arguments} as its own command line, unchanged
     * (e.g. {@code --bignum test.js}), with {@code workingDirectory} mounted read-only at {@code
     * /app}, the working directory.
     */
    public RunResult runInterpreter(GuestRuntime runtime, Path workingDirectory, String... arguments)
            throws SandboxException {
        return run(RunRequest.interpreter(runtime, workingDirectory, arguments).build());
    }

    /** {@link #run(GuestRuntime, Path, String...)} on its own vCPU thread; see {@link #runAsync(Path, String...)}. */
    public CompletableFuture<RunResult> runAsync(GuestRuntime runtime, Path script, String... args) {
        return runAsync(RunRequest.script(runtime, script, args).build());
    }

    /** {@link #runCode} on its own vCPU thread; see {@link #runAsync(Path, String...)}. */
    public CompletableFuture<RunResult> runCodeAsync(GuestRuntime runtime, String code, String... args) {
        return runAsync(RunRequest.code(runtime, code, args).build());
    }

    /** {@link #runInterpreter} on its own vCPU thread; see {@link #runAsync(Path, String...)}. */
    public CompletableFuture<RunResult> runInterpreterAsync(GuestRuntime runtime, Path workingDirectory,
            String... arguments) {
        return runAsync(RunRequest.interpreter(runtime, workingDirectory, arguments).build());
    }

    private static RunResult await(CompletableFuture<RunResult> future) throws SandboxException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new SandboxException(SandboxException.Reason.HOST_ERROR, "interrupted while waiting for the run");
        } catch (ExecutionException e) {
            // Made here, so that its stack is the caller's; the run's thread's is the cause.
            if (e.getCause() instanceof SandboxException onRunThread) {
                throw new SandboxException(onRunThread.reason(), onRunThread.getMessage(), onRunThread);
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
        return runAsync(RunRequest.program(program, args).build());
    }

    /**
     * Decides on the host, before any VM exists, what a run starts; refusals are one sentence. A
     * program run by host path from inside a mount knows itself by its path there.
     */
    private GuestCommand prepare(RunRequest.Target target, List<Mount> mounts) throws SandboxException {
        long memory = config.memorySize();
        return switch (target) {
            case RunRequest.Target.Program p ->
                    GuestCommand.forFile(p.program(), p.arguments(), runtimeImages, memory).locatedIn(mounts);
            case RunRequest.Target.Script s ->
                    GuestCommand.forScript(s.runtime(), s.script(), s.arguments(), runtimeImages, memory);
            case RunRequest.Target.Code c ->
                    GuestCommand.forCode(c.runtime(), c.code(), c.arguments(), runtimeImages, memory);
            case RunRequest.Target.Interpreter i ->
                    GuestCommand.forInterpreter(i.runtime(), i.workingDirectory(), i.arguments(), runtimeImages, memory);
        };
    }

    /** What the run's log lines call it. */
    private static String describe(RunRequest.Target target) {
        return switch (target) {
            case RunRequest.Target.Program p -> p.program().toString();
            case RunRequest.Target.Script s -> s.script().toString();
            case RunRequest.Target.Code c -> c.runtime().name() + " code";
            case RunRequest.Target.Interpreter i -> i.runtime().name();
        };
    }

    /** Starts {@code request} on {@code executor}, or on a new platform thread of its own when null. */
    private CompletableFuture<RunResult> start(RunRequest request, Executor executor) {
        String runId = "run-" + runCounter.incrementAndGet();
        ActiveRun run = new ActiveRun(runId, executor == null);
        CompletableFuture<RunResult> future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                // Cancelled before stopped: a stopped run's thread completes the future at once,
                // and would win the race to it (a run waiting for a slot ends within microseconds).
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                run.stop();
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
        Runnable body = () -> body(request, run, future);
        try {
            if (executor == null) {
                Thread.ofPlatform().name("hyperlight-vcpu-" + runId).daemon(true).start(body);
            } else {
                executor.execute(body);
            }
        } catch (RejectedExecutionException e) {
            synchronized (activeRuns) {
                activeRuns.remove(run);
            }
            future.completeExceptionally(new SandboxException(SandboxException.Reason.HOST_ERROR,
                    "the executor refused the run: " + e.getMessage(), e));
        }
        return future;
    }

    /** The run on its thread: waits for a slot, prepares, runs, and completes {@code future}. */
    private void body(RunRequest request, ActiveRun run, CompletableFuture<RunResult> future) {
        boolean slotTaken = false;
        try {
            if (Thread.currentThread().isVirtual()) {
                throw new SandboxException(SandboxException.Reason.INVALID_CONFIGURATION, "cannot run on a virtual"
                        + " thread: a VM's vCPU belongs to the thread that created it (give runAsync an executor"
                        + " of platform threads)");
            }
            if (!run.enter() || !(slotTaken = run.awaitSlot(runSlots))) {
                throw new SandboxException(SandboxException.Reason.HOST_ERROR, "the run was cancelled before it started");
            }
            List<Mount> mounts = new ArrayList<>(config.mounts());
            for (Mount mount : request.mounts()) {
                mount.checkHostDirectory();
                mounts.add(mount);
            }
            RunFiles.checkNotHidden(request, mounts);
            future.complete(execute(run.runId(), describe(request.target()), prepare(request.target(), mounts),
                    request, mounts, run));
        } catch (SandboxException | RuntimeException e) {
            future.completeExceptionally(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new SandboxException(SandboxException.Reason.HOST_ERROR,
                    "interrupted while waiting for one of " + config.maxConcurrentRuns() + " concurrent runs to end", e));
        } finally {
            if (slotTaken) {
                runSlots.release();
            }
            synchronized (activeRuns) {
                activeRuns.remove(run);
            }
            run.exit();
        }
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
                    stillRunning.add(run.describe());
                }
            } catch (InterruptedException e) {
                interrupted = true; // stop waiting, but tell the caller's thread
                deadline = System.nanoTime();
                stillRunning.add(run.describe());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        stillRunning.forEach(name -> LOG.error("{} did not end within {} ms of being stopped; its VM is destroyed"
                + " only when it does", name, stopWait.toMillis()));
        return stillRunning;
    }

    private RunResult execute(String runId, String description, GuestCommand command, RunRequest request,
            List<Mount> mounts, ActiveRun run) throws SandboxException {
        CapturedOutput stdout = new CapturedOutput(config.stdout(), config.outputLimit());
        CapturedOutput stderr = new CapturedOutput(config.stderr(), config.outputLimit());
        InputStream stdin = request.stdin().<InputStream>map(ByteArrayInputStream::new).orElse(config.stdin());
        List<String> environment = environment(request);
        Optional<WarmStart.StartPlan> plan = config.warmStarts()
                ? WarmStart.startPlan(command, environment, mounts, config.preloads()) : Optional.empty();
        Optional<Templates.Lease> lease = plan.isEmpty() ? Optional.empty()
                : templates.get(plan.get().key(), renewal -> template(plan.get(), command, run, renewal));
        try (RunDirectory tmp = RunDirectory.create(config.tmpDirectory(), runId);
                Templates.Lease held = lease.orElse(null)) {
            RunFiles.place(request.inputFiles(), tmp.path(), config.limits().tmpQuota());
            MicroVm.Report report;
            Duration duration;
            Set<IoLimit> ioLimits;
            RunObservation observation;
            try (HostIo io = GuestFileSystem.open(config, command, mounts, tmp.path(), stdin, stdout, stderr)) {
                Optional<MicroVm.Clone> clone = lease.map(
                        l -> new MicroVm.Clone(l.template(), plan.orElseThrow().message()));
                MicroVm.Launch launch = new MicroVm.Launch(kernelImage, command.executable().bytes(),
                        command.executablePath(), command.argv(),
                        environment, config.memorySize(), RunObservation.syscallTable(config), io,
                        request.timeout().orElse(config.timeout()), config.limits().cpuTime(),
                        config.logDirectory(), runId, clone);
                observation = RunObservation.begin(config, runId, description, command.runtime());
                long start = System.nanoTime();
                report = MicroVm.run(hypervisor, launch, run::stopWith);
                duration = Duration.ofNanos(System.nanoTime() - start);
                ioLimits = io.limitsReached();
            }
            // Every process has ended and every host file is closed: nothing changes the files now.
            RunFiles.Collected files = RunFiles.collect(request.outputFiles(), tmp.path(), request.outputFileLimit());
            Termination termination = termination(report.end());
            LOG.debug("{} {}: {} in {} ms", runId, description, termination.describe(), duration.toMillis());
            boolean truncated = stdout.truncated() || stderr.truncated();
            RunResult result = new RunResult(termination, stdout.toByteArray(), stderr.toByteArray(), truncated,
                    duration, names(report.unsupportedSyscalls()),
                    ResourceLimit.reached(ioLimits, truncated, report.memoryLimitReached(), files.tooLarge()),
                    files.files());
            observation.ended(report.start(), result);
            return result;
        } catch (HypervisorException e) {
            throw Hypervisors.translate(e);
        } catch (GuestImageException e) {
            throw new SandboxException(SandboxException.Reason.MALFORMED_PROGRAM,
                    "cannot run " + description + ": " + e.getMessage(), e);
        } catch (CancellationException e) {
            throw new SandboxException(SandboxException.Reason.HOST_ERROR, "the run was cancelled", e);
        }
    }

    /**
     * Boots {@code command}'s runtime with the plan's start stub and captures it where the stub
     * waits for its start message; empty, with the reason logged, when the runtime does not get
     * there cleanly (its runs then start cold). Loads it from the template directory instead when
     * one is saved there, unless this is a {@code renewal}.
     *
     * @throws SandboxException when {@code run} is cancelled meanwhile or the host fails
     */
    private Optional<Template> template(WarmStart.StartPlan plan, GuestCommand command, ActiveRun run,
            boolean renewal)
            throws SandboxException {
        String runId = run.runId() + "-template";
        Optional<TemplateFiles.Slot> slot = templateFiles.flatMap(files -> files.slot(plan, command, config));
        Optional<Template> saved = renewal ? Optional.empty() : slot.flatMap(s -> templateFiles.orElseThrow().load(s));
        if (saved.isPresent()) {
            LOG.debug("{}: {} template loaded from {}", runId, plan.key().name(), slot.get().file());
            return saved;
        }
        CapturedOutput output = new CapturedOutput(Optional.empty(), TEMPLATE_OUTPUT_LIMIT);
        long start = System.nanoTime();
        try (RunDirectory tmp = RunDirectory.create(config.tmpDirectory(), runId);
                HostIo io = GuestFileSystem.open(config, command.asTemplate(plan.templateArgv()), plan.templateMounts(),
                        tmp.path(), InputStream.nullInputStream(), output, output)) {
            io.installInput(WarmStart.START_FD, new byte[0]);
            MicroVm.Launch launch = new MicroVm.Launch(kernelImage, command.executable().bytes(),
                    command.executablePath(), plan.templateArgv(), plan.templateEnvironment(), config.memorySize(),
                    RunObservation.syscallTable(config), io, config.timeout(), config.limits().cpuTime(),
                    config.logDirectory(), runId, Optional.empty());
            Template template = MicroVm.prepare(hypervisor, launch, WarmStart.START_FD, plan.kernelStartPoint(),
                    slot.map(TemplateFiles.Slot::tags).orElse(templateTags), run::stopWith);
            LOG.debug("{}: {} template captured in {} ms", runId, plan.key().name(),
                    (System.nanoTime() - start) / 1_000_000);
            slot.ifPresent(s -> templateFiles.orElseThrow().save(template, s));
            return Optional.of(template);
        } catch (TemplateException | GuestImageException e) {
            if (run.stopping()) {
                throw new SandboxException(SandboxException.Reason.HOST_ERROR, "the run was cancelled", e);
            }
            LOG.warn("{}: runs of {} start cold in this sandbox: {}{}", runId, plan.key().name(),
                    e.getMessage(), output.toByteArray().length == 0 ? "" : "; its output: " + new String(output.toByteArray(), java.nio.charset.StandardCharsets.UTF_8).strip());
            return Optional.empty();
        } catch (HypervisorException e) {
            if (e.kind() == HypervisorException.Kind.UNSUPPORTED) {
                LOG.info("{}: runs start cold: {}", runId, e.getMessage());
                return Optional.empty();
            }
            throw Hypervisors.translate(e);
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

    /** The configuration's environment with the request's variables over it, as {@code NAME=value}. */
    private List<String> environment(RunRequest request) {
        Map<String, String> variables = new LinkedHashMap<>(config.environment());
        variables.putAll(request.environment());
        return variables.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
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
        templates.close();
        hypervisor.close();
        if (!stillRunning.isEmpty()) {
            throw new IllegalStateException("the sandbox is closed, but these vCPU threads did not end within "
                    + stopWait.toMillis() + " ms of being stopped: " + String.join(", ", stillRunning));
        }
    }
}
