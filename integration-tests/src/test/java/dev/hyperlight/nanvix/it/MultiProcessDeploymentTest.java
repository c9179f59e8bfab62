package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunReport;
import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxListener;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.VmStart;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A representative part of the suite in the multi-process deployment (each VM driven from a
 * confined VMM process; docs/architecture.md, "Deployments"): ELF programs, CPython, QuickJS,
 * threads, signals, fork, timeouts, policies and interceptors, warm starts; and what is particular
 * to it: this JVM holds no KVM descriptor, a VMM process killed mid-run ends only that run, and
 * runs, cold and warm, leave no process or descriptor behind.
 */
class MultiProcessDeploymentTest {

    private static final Duration GENEROUS = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private final List<VmStart> starts = Collections.synchronizedList(new ArrayList<>());

    private RuntimeConfig.Builder multiProcess() {
        return RuntimeConfig.builder().tmpDirectory(tmp).timeout(GENEROUS)
                .deployment(new Deployment.MultiProcess(1))
                .listener(new SandboxListener() {
                    @Override
                    public void runEnded(RunReport run) {
                        starts.add(run.start());
                    }
                });
    }

    @Test
    void elfProgramsCPythonAndQuickJsRun() throws Exception {
        try (Sandbox sandbox = new Sandbox(multiProcess().build())) {
            RunResult hello = sandbox.run(Guests.example("hello-c"), "one", "two words");
            assertThat(hello.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(hello.stdoutText()).contains("Hello from C in a Hyperlight-Nanvix micro-VM!")
                    .contains("read back: written from the guest").contains("argv[2] = two words");

            RunResult python = sandbox.run(Guests.example("hello.py"), "an argument");
            assertThat(python.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(python.stdoutText()).contains("Hello from Python 3.11.2 in a Hyperlight-Nanvix micro-VM!")
                    .contains("arguments: ['an argument']");

            RunResult javaScript = sandbox.run(Guests.example("hello.js"), "one", "two words");
            assertThat(javaScript.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(javaScript.stdoutText()).contains("Hello from JavaScript in a Hyperlight-Nanvix micro-VM!")
                    .contains("\"arguments\":[\"one\",\"two words\"]");
        }
    }

    /** Runs of CPython, QuickJS and an ELF program start warm: clones of a template, each in its own VMM process. */
    @Test
    void pythonJavaScriptAndElfProgramsStartWarm() throws Exception {
        try (Sandbox sandbox = new Sandbox(multiProcess().build())) {
            for (String argument : List.of("first", "second")) {
                RunResult python = sandbox.run(Guests.example("hello.py"), argument);
                assertThat(python.termination()).isEqualTo(new Termination.Exited(0));
                assertThat(python.stdoutText()).contains("Hello from Python 3.11.2 in a Hyperlight-Nanvix micro-VM!")
                        .contains("arguments: ['" + argument + "']");

                RunResult javaScript = sandbox.run(Guests.example("hello.js"), argument, "two words");
                assertThat(javaScript.termination()).isEqualTo(new Termination.Exited(0));
                assertThat(javaScript.stdoutText()).contains("Hello from JavaScript in a Hyperlight-Nanvix micro-VM!")
                        .contains("\"arguments\":[\"" + argument + "\",\"two words\"]");

                RunResult elf = sandbox.run(Guests.example("hello-c"), argument, "two words");
                assertThat(elf.termination()).isEqualTo(new Termination.Exited(0));
                assertThat(elf.stdoutText()).contains("Hello from C in a Hyperlight-Nanvix micro-VM!")
                        .contains("read back: written from the guest").contains("argv[1] = " + argument)
                        .contains("argv[2] = two words");
            }
        }
        assertThat(starts).hasSize(6).containsOnly(VmStart.WARM);
    }

    /**
     * A clone sees nothing another left: not its files in /tmp, its environment, nor what it wrote
     * into the interpreter's memory (an attribute of a module the template had loaded).
     */
    @Test
    void warmRunsSeeNothingOfEachOther() throws Exception {
        Path app = Files.createDirectories(tmp.resolve("app"));
        Path probe = Files.writeString(app.resolve("probe.py"), """
                import builtins, os, sys
                print("left=" + repr(sorted(os.listdir("/tmp"))))
                print("env=" + repr(os.environ.get("MARK")))
                print("mark=" + repr(getattr(builtins, "mark", None)))
                with open("/tmp/left-by-" + sys.argv[1], "w") as f:
                    f.write(sys.argv[1])
                os.environ["MARK"] = sys.argv[1]
                builtins.mark = sys.argv[1]
                print("now=" + repr(sorted(os.listdir("/tmp"))) + " " + os.environ["MARK"] + " " + builtins.mark)
                """);
        try (Sandbox sandbox = new Sandbox(multiProcess().build())) {
            RunResult first = sandbox.run(RunRequest.program(probe, "one").env("MARK", "given").build());
            RunResult second = sandbox.run(RunRequest.program(probe, "two").build());

            assertThat(first.stdoutText()).isEqualTo("left=[]\nenv='given'\nmark=None\nnow=['left-by-one'] one one\n");
            assertThat(second.stdoutText()).isEqualTo("left=[]\nenv=None\nmark=None\nnow=['left-by-two'] two two\n");
        }
        assertThat(starts).containsExactly(VmStart.WARM, VmStart.WARM);
    }

    /**
     * The JVM holds every template's snapshot in either deployment, so a template file one
     * deployment saved starts the other's first run warm, loaded rather than made again.
     */
    @Test
    void templateFilesServeBothDeployments() throws Exception {
        String code = "print(scriptArgs.join(' '))";
        for (boolean savedInProcess : List.of(true, false)) {
            Path templates = tmp.resolve("templates-" + savedInProcess);
            RuntimeConfig multi = multiProcess().templateDirectory(templates).build();
            RuntimeConfig inProcess = multi.toBuilder().deployment(Deployment.IN_PROCESS).build();
            try (Sandbox saving = new Sandbox(savedInProcess ? inProcess : multi)) {
                assertThat(saving.runCode(GuestRuntime.JAVASCRIPT, code, "saved").stdoutText()).isEqualTo("saved\n");
            }
            Path file;
            try (Stream<Path> files = Files.list(templates)) {
                file = files.toList().getFirst();
            }
            byte[] bytes = Files.readAllBytes(file);
            try (Sandbox loading = new Sandbox(savedInProcess ? multi : inProcess)) {
                assertThat(loading.runCode(GuestRuntime.JAVASCRIPT, code, "loaded").stdoutText()).isEqualTo("loaded\n");
            }
            assertThat(Files.readAllBytes(file)).as("loaded, not made again").isEqualTo(bytes);
        }
        assertThat(starts).hasSize(4).containsOnly(VmStart.WARM);
    }

    @Test
    void threadsSignalsAndForkedChildrenWork() throws Exception {
        try (Sandbox sandbox = new Sandbox(multiProcess().build())) {
            RunResult threads = sandbox.run(Guests.guest("threads"));
            assertThat(threads.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(threads.stdoutText()).contains("joined 8 threads, counter 8000, finished 8")
                    .contains("pthread_exit value 7, 100 detached threads came and went");

            RunResult signals = sandbox.run(Guests.guest("signals"));
            assertThat(signals.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(signals.stdoutText()).contains("pthread_kill: handled on the target thread 1");

            // Each child VM runs in a VMM process of its own.
            RunResult processes = sandbox.run(Guests.guest("processes"), "fork-exec");
            assertThat(processes.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(processes.stdoutText()).contains("exec child exited 0").contains("no children left");
        }
    }

    /** The limit leaves a cold JVM in the emulated machine time to boot the guest up to its loop (2 s did not). */
    @Test
    void aSpinningGuestIsStoppedByTheTimeout() throws Exception {
        Duration limit = Duration.ofSeconds(10);
        try (Sandbox sandbox = new Sandbox(multiProcess().timeout(limit).build())) {
            RunResult result = sandbox.run(Guests.guest("spin"));

            assertThat(result.termination()).isEqualTo(new Termination.TimedOut(limit));
            assertThat(result.stdoutText()).isEqualTo("spinning\n");
        }
    }

    /** Policies and interceptors live in the system process: they apply as in-process. */
    @Test
    void policiesAndInterceptorsApply() throws Exception {
        AtomicInteger writes = new AtomicInteger();
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.MKDIRAT, SyscallAction.block(Errno.EACCES))
                .with(Syscall.WRITE, SyscallAction.intercept((call, next) -> {
                    writes.incrementAndGet();
                    return next.proceed(call);
                }));
        try (Sandbox sandbox = new Sandbox(multiProcess().syscallTable(table).build())) {
            RunResult result = sandbox.runCode(GuestRuntime.PYTHON, """
                    import os
                    try:
                        os.mkdir('/tmp/refused')
                    except OSError as e:
                        print('mkdir', e.errno)
                    """);
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("mkdir 13\n");
            assertThat(writes.get()).isPositive();
        }
    }

    /**
     * This JVM holds no KVM descriptor or mapping while a multi-process run goes on: the guest has
     * said it spins (its line reached the host through its VMM process) when this looks.
     */
    @Test
    void theSystemProcessHoldsNoKvmDescriptor() throws Exception {
        SpinningLine spinning = new SpinningLine();
        try (Sandbox sandbox = new Sandbox(multiProcess().stdout(spinning).build())) {
            CompletableFuture<RunResult> run = sandbox.runAsync(Guests.guest("spin"));
            spinning.await();
            assertThat(ProcSelf.vmmProcessesRunningAVcpu()).as("VMM processes serving a vCPU").hasSize(1);
            assertThat(ProcSelf.kvmFileDescriptors()).isZero();
            assertThat(ProcSelf.kvmMappings()).isZero();
            assertThat(openFiles()).noneMatch(target -> target.equals("/dev/kvm"));
            assertThat(run.cancel(true)).isTrue();
        }
    }

    /**
     * Killing the VMM processes mid-run ends that run as VmFailed; the sandbox serves the next run.
     * The killed run is a warm one: the first run, which a timeout stops, made the template.
     */
    @Test
    void aKilledVmmProcessEndsOnlyItsRun() throws Exception {
        SpinningLine spinning = new SpinningLine();
        try (Sandbox sandbox = new Sandbox(multiProcess().stdout(spinning).build())) {
            Duration brief = Duration.ofSeconds(2);
            assertThat(sandbox.run(RunRequest.program(Guests.guest("spin")).timeout(brief).build()).termination())
                    .isEqualTo(new Termination.TimedOut(brief));
            spinning.reset();
            CompletableFuture<RunResult> run = sandbox.runAsync(Guests.guest("spin"));
            spinning.await();
            ProcSelf.vmmProcesses().forEach(ProcessHandle::destroyForcibly);

            RunResult killed = run.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(killed.termination()).isInstanceOfSatisfying(Termination.VmFailed.class,
                    failed -> assertThat(failed.reason()).contains("VMM process"));

            RunResult next = sandbox.run(Guests.guest("exit-status"), "7");
            assertThat(next.exitCode()).isEqualTo(7);
        }
        assertThat(starts).containsExactly(VmStart.WARM, VmStart.WARM, VmStart.WARM);
    }

    /**
     * A VMM process that answers a {@code KVM_RUN} with garbage mid-run (hyperlight-kvm's test-only
     * {@code kvm-garbage-*} backends: their VMM processes serve well until their 200th KVM_RUN, in
     * the middle of CPython's cold start) ends that run as VmFailed with the reason, and is ended
     * with it. A run of another sandbox in the same JVM at the same time ends as it should, and
     * nothing is left behind.
     */
    @ParameterizedTest
    @CsvSource({
        "result, the VMM process sent a malformed response (result 1099511627776)",
        "exit-reason, unexpected VM exit -559038737",
        "io-outside, 'size 4, count 1, data offset 1099511627776)'",
    })
    void aVmmProcessThatSendsGarbageEndsOnlyItsRun(String kind, String reason) throws Exception {
        long descriptors = openFiles().size();
        try (Sandbox healthy = new Sandbox(multiProcess().build());
                Sandbox faulty = new Sandbox(multiProcess().hypervisor("kvm-garbage-" + kind).warmStarts(false).build())) {
            CompletableFuture<RunResult> meanwhile = healthy.runAsync(Guests.guest("threads"));

            RunResult failed = faulty.run(Guests.example("hello.py"));
            assertThat(failed.termination()).isInstanceOfSatisfying(Termination.VmFailed.class,
                    vmFailed -> assertThat(vmFailed.reason()).contains(reason));

            RunResult threads = meanwhile.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(threads.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(threads.stdoutText()).contains("joined 8 threads, counter 8000, finished 8");
            assertThat(healthy.run(Guests.guest("exit-status"), "3").exitCode()).isEqualTo(3);
            // The faulty run's VMM process is gone with its run: only the pool's one waits.
            assertThat(ProcSelf.awaitAtMost(MultiProcessDeploymentTest::garbageVmmProcesses, 1)).hasSizeLessThanOrEqualTo(1);
        }
        assertThat(ProcSelf.awaitAtMost(ProcSelf::vmmProcesses, 0)).isEmpty();
        assertThat(openFiles()).hasSizeLessThanOrEqualTo((int) descriptors);
        assertThat(Files.readAllLines(Path.of("/proc/self/maps"))).noneMatch(line -> line.contains("memfd:hyperlight"));
    }

    /**
     * Runs (200 cold and 200 warm, as issue 14 asks; fewer in the emulated machine of
     * scripts/nested-kvm, which sets the count) leave no VMM process, descriptor, mapping or
     * thread behind once the sandbox is closed; the warm runs' templates go with the sandbox.
     */
    @Test
    void runsLeaveNothingBehind() throws Exception {
        int runs = Integer.getInteger("multiprocess.leak.runs", 200);
        long descriptors = openFiles().size();
        long threads = Thread.getAllStackTraces().size();
        try (Sandbox sandbox = new Sandbox(multiProcess().warmStarts(false).build())) {
            for (int i = 0; i < runs; i++) {
                int status = i % 100;
                assertThat(sandbox.run(Guests.guest("exit-status"), String.valueOf(status)).exitCode()).isEqualTo(status);
            }
        }
        assertThat(starts).hasSize(runs).containsOnly(VmStart.COLD);
        starts.clear();
        try (Sandbox sandbox = new Sandbox(multiProcess().build())) {
            for (int i = 0; i < runs; i++) {
                int status = i % 100;
                RunResult result = i % 10 == 0
                        ? sandbox.runCode(GuestRuntime.JAVASCRIPT, "std.exit(" + status + ")")
                        : sandbox.run(Guests.guest("exit-status"), String.valueOf(status));
                assertThat(result.exitCode()).isEqualTo(status);
            }
        }
        assertThat(starts).hasSize(runs).containsOnly(VmStart.WARM);
        assertThat(ProcSelf.awaitAtMost(ProcSelf::vmmProcesses, 0)).isEmpty();
        assertThat(openFiles()).hasSizeLessThanOrEqualTo((int) descriptors);
        assertThat(Files.readAllLines(Path.of("/proc/self/maps")))
                .as("guest RAM and rings, the VMM processes' memfds mapped here").noneMatch(line -> line.contains("memfd:hyperlight"));
        assertThat(Thread.getAllStackTraces().size()).isLessThanOrEqualTo((int) threads + 2);
    }

    private static List<ProcessHandle> garbageVmmProcesses() {
        return ProcSelf.vmmProcesses().stream()
                .filter(vmm -> vmm.info().arguments().map(arguments -> List.of(arguments).contains("serve-garbage")).orElse(false))
                .toList();
    }

    /** The spin guest's stdout: {@link #await()} returns once it has said it spins. */
    private static final class SpinningLine extends OutputStream {
        private final StringBuilder text = new StringBuilder();
        private CountDownLatch said = new CountDownLatch(1);

        @Override
        public synchronized void write(int b) {
            text.append((char) b);
            if (text.toString().endsWith("spinning\n")) {
                said.countDown();
            }
        }

        synchronized void reset() {
            text.setLength(0);
            said = new CountDownLatch(1);
        }

        void await() throws InterruptedException {
            CountDownLatch latch;
            synchronized (this) {
                latch = said;
            }
            assertThat(latch.await(60, TimeUnit.SECONDS)).as("the guest started spinning").isTrue();
        }
    }

    private static List<String> openFiles() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.map(link -> {
                try {
                    return Files.readSymbolicLink(link).toString();
                } catch (IOException closedMeanwhile) {
                    return "";
                }
            }).filter(target -> !target.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
