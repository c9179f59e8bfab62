package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cancelling a run and closing the sandbox stop the VM, wait for the run's vCPU thread and leave
 * the VM destroyed, on a {@link ParkedHypervisor} whose vCPUs hold their thread as a spinning
 * guest would. The same with real VMs: {@code RunProgramsTest} in integration-tests.
 */
class SandboxStopTest {

    /** A real static program, built by the guest-examples module: the image is written as for a real VM. */
    private static final Path PROGRAM = Path.of("../guest-examples/hello-c");
    private static final Duration SHORT_STOP_WAIT = Duration.ofMillis(300);

    @TempDir
    Path tmp;

    private Sandbox sandbox(ParkedHypervisor hypervisor, Duration stopWait) throws SandboxException {
        RuntimeConfig config = RuntimeConfig.builder().memorySize(RuntimeConfig.MIN_MEMORY).timeout(Duration.ZERO)
                // Cold: each parked VM is a run's own (a warm start would park its template's first).
                .warmStarts(false).tmpDirectory(tmp).build();
        return new Sandbox(config, hypervisor, stopWait);
    }

    static void awaitRunning(ParkedHypervisor hypervisor, int vms) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hypervisor.vms.size() < vms || hypervisor.vms.get(vms - 1).vcpus.isEmpty()) {
            assertThat(System.nanoTime()).as("%d VMs created in time", vms).isLessThan(deadline);
            Thread.sleep(5);
        }
        for (ParkedHypervisor.ParkedVm vm : hypervisor.vms) {
            assertThat(vm.vcpus.getFirst().running.await(30, TimeUnit.SECONDS)).as("the guest runs").isTrue();
        }
    }

    @Test
    void cancelReturnsOnceTheRunsThreadHasEndedAndItsVmIsDestroyed() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        try (Sandbox sandbox = sandbox(hypervisor, Sandbox.STOP_WAIT)) {
            CompletableFuture<RunResult> run = sandbox.runAsync(PROGRAM);
            awaitRunning(hypervisor, 1);
            Thread vcpuThread = hypervisor.onlyVcpu().runThread;
            assertThat(vcpuThread.getName()).isEqualTo("hyperlight-vcpu-run-1");

            assertThat(run.cancel(true)).isTrue();

            assertThat(vcpuThread.isAlive()).as("the vCPU thread is alive").isFalse();
            assertThat(hypervisor.vms.getFirst().closed).as("the VM is closed").isTrue();
            assertThat(hypervisor.onlyVcpu().closed).as("the vCPU is closed").isTrue();
            assertThat(run).isCancelled();
            assertThat(hypervisor.closed).as("the hypervisor is closed").isFalse();
        }
        assertThat(hypervisor.closed).as("the hypervisor is closed").isTrue();
    }

    @Test
    void closeStopsEveryRunWaitsForItsThreadAndRefusesNewRuns() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        Sandbox sandbox = sandbox(hypervisor, Sandbox.STOP_WAIT);
        List<CompletableFuture<RunResult>> runs = List.of(sandbox.runAsync(PROGRAM), sandbox.runAsync(PROGRAM));
        awaitRunning(hypervisor, 2);
        List<Thread> vcpuThreads = hypervisor.vms.stream().map(vm -> vm.vcpus.getFirst().runThread).toList();

        sandbox.close();

        assertThat(vcpuThreads).noneMatch(Thread::isAlive);
        assertThat(hypervisor.vms).allMatch(vm -> vm.closed && vm.vcpus.getFirst().closed);
        assertThat(hypervisor.closed).isTrue();
        for (CompletableFuture<RunResult> run : runs) {
            assertThat(run.get(1, TimeUnit.SECONDS).termination())
                    .isEqualTo(new Termination.VmFailed("the run was cancelled"));
        }
        assertThatThrownBy(() -> sandbox.runAsync(PROGRAM)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the sandbox is closed");
    }

    @Test
    void aRunCancelledBeforeItsVmExistsNeverEntersTheGuest() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.holdingCreateVm();
        try (Sandbox sandbox = sandbox(hypervisor, Sandbox.STOP_WAIT)) {
            CompletableFuture<RunResult> run = sandbox.runAsync(PROGRAM);
            assertThat(hypervisor.createVmCalled.await(30, TimeUnit.SECONDS)).isTrue();
            // The cancel waits for the run's thread, which is held in createVm: cancel from another thread.
            CompletableFuture<Boolean> cancel = CompletableFuture.supplyAsync(() -> run.cancel(true));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!run.isCancelled()) { // the stop is asked for while createVm is still held
                assertThat(System.nanoTime()).as("cancelled in time").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(cancel).isNotDone();

            hypervisor.createVmMayGoOn.countDown();

            assertThat(cancel.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(hypervisor.onlyVcpu().interruptedBeforeRun).as("interrupted before its first run").isTrue();
            assertThat(hypervisor.onlyVcpu().runThread.isAlive()).isFalse();
            assertThat(hypervisor.vms.getFirst().closed).isTrue();
        }
    }

    @Test
    void cancelGivesUpWaitingAfterTheStopWait() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.ignoringInterrupts();
        try (Sandbox sandbox = sandbox(hypervisor, SHORT_STOP_WAIT)) {
            CompletableFuture<RunResult> run = sandbox.runAsync(PROGRAM);
            awaitRunning(hypervisor, 1);
            Thread vcpuThread = hypervisor.onlyVcpu().runThread;

            assertThat(run.cancel(true)).isTrue();

            assertThat(vcpuThread.isAlive()).as("the vCPU thread, which ignores the stop").isTrue();
            hypervisor.interruptedRunMayReturn.countDown();
            // Let it end before close, whose own short wait would otherwise race a loaded machine.
            vcpuThread.join(Duration.ofSeconds(30));
            assertThat(vcpuThread.isAlive()).isFalse();
        }
        assertThat(hypervisor.vms.getFirst().closed).isTrue();
    }

    @Test
    void closeNamesAThreadThatDoesNotEndInTime() throws Exception {
        ParkedHypervisor hypervisor = ParkedHypervisor.ignoringInterrupts();
        Sandbox sandbox = sandbox(hypervisor, SHORT_STOP_WAIT);
        CompletableFuture<RunResult> run = sandbox.runAsync(PROGRAM);
        awaitRunning(hypervisor, 1);
        Thread vcpuThread = hypervisor.onlyVcpu().runThread;

        assertThatThrownBy(sandbox::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("hyperlight-vcpu-run-1");

        assertThat(hypervisor.closed).as("the hypervisor is released all the same").isTrue();
        assertThat(vcpuThread.isAlive()).isTrue();
        hypervisor.interruptedRunMayReturn.countDown();
        assertThat(run.get(30, TimeUnit.SECONDS).termination())
                .isEqualTo(new Termination.VmFailed("the run was cancelled"));
        vcpuThread.join(Duration.ofSeconds(30));
        assertThat(vcpuThread.isAlive()).isFalse();
        assertThat(hypervisor.vms.getFirst().closed).isTrue();
    }
}
