package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a service relies on, on a {@link ParkedHypervisor} whose guests run until stopped: the
 * bound on concurrent runs, runs on the caller's executor, files in and out of a run, requests
 * refused before any VM, the caller's stack on errors, and null arguments named. The same on real
 * VMs: {@code ServiceApiTest} in integration-tests.
 */
class SandboxServiceTest {

    private static final Path PROGRAM = Path.of("../guest-examples/hello-c");

    @TempDir
    Path tmp;

    private Sandbox sandbox(ParkedHypervisor hypervisor, int maxConcurrentRuns) throws SandboxException {
        RuntimeConfig config = RuntimeConfig.builder().memorySize(RuntimeConfig.MIN_MEMORY).timeout(Duration.ZERO)
                // Cold: each parked VM is a run's own (a warm start would park its template's first).
                .warmStarts(false).tmpDirectory(tmp).maxConcurrentRuns(maxConcurrentRuns).build();
        return new Sandbox(config, hypervisor, Sandbox.STOP_WAIT);
    }

    private static SandboxException failure(CompletableFuture<RunResult> run) throws InterruptedException {
        try {
            run.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SandboxException.class);
            return (SandboxException) e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the run did not end", e);
        }
        throw new AssertionError("the run did not fail");
    }

    @Test
    void aRunBeyondTheBoundWaitsForASlot() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        try (Sandbox sandbox = sandbox(hypervisor, 1)) {
            CompletableFuture<RunResult> first = sandbox.runAsync(PROGRAM);
            SandboxStopTest.awaitRunning(hypervisor, 1);
            CompletableFuture<RunResult> second = sandbox.runAsync(PROGRAM);
            Thread.sleep(300); // time for a second VM, were the bound not kept
            assertThat(hypervisor.vms).as("VMs while one run holds the only slot").hasSize(1);
            assertThat(second).isNotDone();

            first.cancel(true);

            SandboxStopTest.awaitRunning(hypervisor, 2);
            assertThat(hypervisor.vms.getFirst().closed).as("the first VM was gone before the second came").isTrue();
            second.cancel(true);
        }
    }

    @Test
    void cancellingAWaitingRunFreesNothingItDidNotHold() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        try (Sandbox sandbox = sandbox(hypervisor, 1)) {
            CompletableFuture<RunResult> first = sandbox.runAsync(PROGRAM);
            SandboxStopTest.awaitRunning(hypervisor, 1);
            CompletableFuture<RunResult> waiting = sandbox.runAsync(PROGRAM);

            assertThat(waiting.cancel(true)).isTrue();
            CompletableFuture<RunResult> third = sandbox.runAsync(PROGRAM);
            Thread.sleep(300);
            assertThat(hypervisor.vms).as("the cancelled run gave back no slot it never had").hasSize(1);

            first.cancel(true);
            SandboxStopTest.awaitRunning(hypervisor, 2);
            third.cancel(true);
        }
    }

    @Test
    void closeEndsTheRunsThatWaitForASlotBeforeTheyStart() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        Sandbox sandbox = sandbox(hypervisor, 1);
        CompletableFuture<RunResult> running = sandbox.runAsync(PROGRAM);
        SandboxStopTest.awaitRunning(hypervisor, 1);
        CompletableFuture<RunResult> waiting = sandbox.runAsync(PROGRAM);

        sandbox.close();

        assertThat(running.get(30, TimeUnit.SECONDS).termination()).isEqualTo(new Termination.VmFailed("the run was cancelled"));
        SandboxException refused = failure(waiting);
        assertThat(refused.reason()).isEqualTo(SandboxException.Reason.HOST_ERROR);
        assertThat(refused).hasMessage("the run was cancelled before it started");
        assertThat(hypervisor.vms).hasSize(1);
    }

    @Test
    void runsGoOnTheCallersExecutorWhoseThreadsOutliveThem() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        ExecutorService executor = Executors.newSingleThreadExecutor(task -> Thread.ofPlatform().name("service-worker").unstarted(task));
        try (Sandbox sandbox = sandbox(hypervisor, 4)) {
            RunRequest request = RunRequest.program(PROGRAM).build();
            CompletableFuture<RunResult> first = sandbox.runAsync(request, executor);
            SandboxStopTest.awaitRunning(hypervisor, 1);
            Thread worker = hypervisor.onlyVcpu().runThread;
            assertThat(worker.getName()).isEqualTo("service-worker");

            assertThat(first.cancel(true)).isTrue();
            assertThat(hypervisor.vms.getFirst().closed).as("the cancel waited for the run's end").isTrue();

            CompletableFuture<RunResult> second = sandbox.runAsync(request, executor);
            SandboxStopTest.awaitRunning(hypervisor, 2);
            assertThat(hypervisor.vms.get(1).vcpus.getFirst().runThread).isSameAs(worker);
            assertThat(worker.isInterrupted()).as("no stop leaks into the executor's next task").isFalse();
            second.cancel(true);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void anExecutorOfVirtualThreadsOrOneThatRejectsIsRefused() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        try (Sandbox sandbox = sandbox(hypervisor, 4);
                ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            RunRequest request = RunRequest.program(PROGRAM).build();
            SandboxException onVirtual = failure(sandbox.runAsync(request, virtual));
            assertThat(onVirtual.reason()).isEqualTo(SandboxException.Reason.INVALID_CONFIGURATION);
            assertThat(onVirtual).hasMessageContaining("virtual thread");

            SandboxException rejected = failure(sandbox.runAsync(request, task -> {
                throw new RejectedExecutionException("queue full");
            }));
            assertThat(rejected.reason()).isEqualTo(SandboxException.Reason.HOST_ERROR);
            assertThat(rejected).hasMessage("the executor refused the run: queue full");
            assertThat(hypervisor.vms).isEmpty();
        }
    }

    @Test
    void inputFilesAreInTheRunsTmpAndOutputFilesAreReadBack() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        Sandbox sandbox = sandbox(hypervisor, 4);
        RunRequest request = RunRequest.program(PROGRAM)
                .inputFile("in/data.txt", "input".getBytes())
                .outputFile("/tmp/out.txt")
                .outputFile("never-written")
                .build();
        CompletableFuture<RunResult> run = sandbox.runAsync(request);
        SandboxStopTest.awaitRunning(hypervisor, 1);
        Path runDirectory;
        try (Stream<Path> directories = Files.list(tmp)) {
            runDirectory = directories.collect(onlyOne());
        }
        assertThat(runDirectory.resolve("in/data.txt")).hasContent("input");
        Files.writeString(runDirectory.resolve("out.txt"), "output"); // what the guest would write

        sandbox.close();

        RunResult result = run.get(30, TimeUnit.SECONDS);
        assertThat(result.outputFiles()).containsOnlyKeys("/tmp/out.txt");
        assertThat(new String(result.outputFiles().get("/tmp/out.txt"))).isEqualTo("output");
        assertThat(result.limitsReached()).doesNotContain(ResourceLimit.OUTPUT_FILES);
        assertThat(runDirectory).doesNotExist();
    }

    private static java.util.stream.Collector<Path, ?, Path> onlyOne() {
        return java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), list -> {
            assertThat(list).hasSize(1);
            return list.getFirst();
        });
    }

    @Test
    void aRequestsMissingMountOrHiddenFilesAreRefusedBeforeAnyVm() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        try (Sandbox sandbox = sandbox(hypervisor, 4)) {
            SandboxException missing = assertThrows(() -> sandbox.run(RunRequest.program(PROGRAM)
                    .mount(Mount.readOnly("/data", tmp.resolve("no-such-directory"))).build()));
            assertThat(missing.reason()).isEqualTo(SandboxException.Reason.INVALID_CONFIGURATION);
            assertThat(missing).hasMessage("mount /data: host directory " + tmp.resolve("no-such-directory")
                    + " does not exist");

            SandboxException hidden = assertThrows(() -> sandbox.run(RunRequest.program(PROGRAM)
                    .mount(Mount.writable("/tmp", tmp)).inputFile("a", new byte[1]).build()));
            assertThat(hidden.reason()).isEqualTo(SandboxException.Reason.INVALID_CONFIGURATION);
            assertThat(hypervisor.vms).isEmpty();
        }
    }

    @Test
    void aSynchronousErrorCarriesTheCallersStackWithTheRunsAsItsCause() throws Exception {
        try (Sandbox sandbox = sandbox(ParkedHypervisor.prompt(), 4)) {
            SandboxException error = assertThrows(() -> sandbox.run(tmp.resolve("missing")));

            assertThat(error.reason()).isEqualTo(SandboxException.Reason.PROGRAM_NOT_FOUND);
            assertThat(error).hasMessage("cannot run " + tmp.resolve("missing") + ": no such file");
            assertThat(Arrays.stream(error.getStackTrace()).map(StackTraceElement::getMethodName))
                    .contains("aSynchronousErrorCarriesTheCallersStackWithTheRunsAsItsCause");
            assertThat(error.getCause()).isInstanceOf(SandboxException.class).hasMessage(error.getMessage());
            assertThat(Arrays.stream(error.getCause().getStackTrace()).map(StackTraceElement::getMethodName))
                    .doesNotContain("aSynchronousErrorCarriesTheCallersStackWithTheRunsAsItsCause");
        }
    }

    @Test
    void nullArgumentsAreRefusedByName() throws Exception {
        try (Sandbox sandbox = sandbox(ParkedHypervisor.prompt(), 4)) {
            assertThatThrownBy(() -> sandbox.run((Path) null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("program must not be null");
            assertThatThrownBy(() -> sandbox.run((RunRequest) null)).hasMessage("request must not be null");
            assertThatThrownBy(() -> sandbox.runAsync(RunRequest.program(PROGRAM).build(), null))
                    .hasMessage("executor must not be null");
            assertThatThrownBy(() -> sandbox.runCode(GuestRuntime.JAVASCRIPT, null)).hasMessage("code must not be null");
            assertThatThrownBy(() -> sandbox.run(PROGRAM, "a", null)).hasMessage("args[1] must not be null");
            assertThatThrownBy(() -> Sandbox.run((String) null)).hasMessage("program must not be null");
            assertThatThrownBy(() -> new Sandbox(null)).hasMessage("config must not be null");
        }
    }

    @Test
    void buildRefusesAMountWhoseHostDirectoryIsMissing() throws IOException {
        Path missing = tmp.resolve("data");
        SandboxException refused = assertThrows(
                () -> RuntimeConfig.builder().mount(Mount.readOnly("/data", missing)).build());
        assertThat(refused.reason()).isEqualTo(SandboxException.Reason.INVALID_CONFIGURATION);
        assertThat(refused).hasMessage("mount /data: host directory " + missing + " does not exist");

        Path file = Files.writeString(tmp.resolve("file"), "");
        assertThat(assertThrows(() -> RuntimeConfig.builder().mount(Mount.readOnly("/data", file)).build()))
                .hasMessage("mount /data: host directory " + file + " is not a directory");
        assertThatThrownBy(() -> RuntimeConfig.builder().maxConcurrentRuns(0))
                .hasMessage("the bound on concurrent runs must be at least 1, not 0");
        assertThat(RuntimeConfig.defaults().maxConcurrentRuns()).isEqualTo(RuntimeConfig.UNBOUNDED);
    }

    private interface Refusable {
        Object run() throws SandboxException;
    }

    private static SandboxException assertThrows(Refusable action) {
        try {
            action.run();
        } catch (SandboxException e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

}
