package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.syscall.RunState;
import dev.hyperlight.nanvix.syscall.SyscallDecision;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's Flight Recorder event and what its listener is told, through a whole {@link Sandbox}
 * run on a {@link ParkedHypervisor} (a real program's image, no hardware), ended by closing the
 * sandbox. With real VMs and real calls: {@code ObservabilityTest} in integration-tests.
 */
class RunObservationTest {

    private static final Path PROGRAM = Path.of("../guest-examples/hello-c");

    @TempDir
    Path tmp;

    /** Runs PROGRAM until its guest is running, then closes the sandbox: the run ends as VmFailed. */
    private RunResult runAndClose(SandboxListener listener) throws Exception {
        RuntimeConfig config = RuntimeConfig.builder().memorySize(RuntimeConfig.MIN_MEMORY).timeout(Duration.ZERO)
                // Cold: each parked VM is a run's own (a warm start would park its template's first).
                .warmStarts(false).tmpDirectory(tmp).listener(listener).build();
        ParkedHypervisor hypervisor = ParkedHypervisor.prompt();
        CompletableFuture<RunResult> run;
        try (Sandbox sandbox = new Sandbox(config, hypervisor, Sandbox.STOP_WAIT)) {
            run = sandbox.runAsync(PROGRAM);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (hypervisor.vms.isEmpty() || hypervisor.vms.getFirst().vcpus.isEmpty()) {
                assertThat(System.nanoTime()).as("the VM is created in time").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(hypervisor.onlyVcpu().running.await(30, TimeUnit.SECONDS)).as("the guest runs").isTrue();
        }
        return run.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRunIsARecordedEventAndIsReportedToTheListener() throws Exception {
        List<RunReport> reports = new CopyOnWriteArrayList<>();
        Path file = tmp.resolve("runs.jfr");
        RunResult result;
        try (Recording recording = new Recording()) {
            recording.enable(RunEvent.NAME);
            recording.start();
            result = runAndClose(new SandboxListener() {
                @Override
                public void runEnded(RunReport run) {
                    reports.add(run);
                }
            });
            recording.stop();
            recording.dump(file);
        }

        assertThat(result.termination()).isEqualTo(new Termination.VmFailed("the run was cancelled"));
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(RunEvent.NAME)).toList();
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.getString("runId")).isEqualTo("run-1");
            assertThat(event.getString("program")).isEqualTo(PROGRAM.toString());
            assertThat(event.getString("runtime")).isNull();
            assertThat(event.getString("start")).isEqualTo("cold");
            assertThat(event.getString("termination")).isEqualTo("vm_failed");
            assertThat(event.getInt("exitStatus")).isEqualTo(Termination.VmFailed.EXIT_CODE);
            assertThat(event.getString("limitsReached")).isEmpty();
            assertThat(event.getThread().getJavaName()).isEqualTo("hyperlight-vcpu-run-1");
            assertThat(event.getDuration()).isGreaterThanOrEqualTo(result.duration());
        });
        assertThat(reports).singleElement().isEqualTo(
                new RunReport("run-1", PROGRAM.toString(), java.util.Optional.empty(), VmStart.COLD, result));
    }

    @Test
    void aListenerThatThrowsChangesNoResult() throws Exception {
        RunResult result = runAndClose(new SandboxListener() {
            @Override
            public void runEnded(RunReport run) {
                throw new IllegalStateException("metrics backend down");
            }
        });
        assertThat(result.termination()).isEqualTo(new Termination.VmFailed("the run was cancelled"));
    }

    @Test
    void theRunsSyscallTableTellsTheListenerOnlyWhenThereIsOne() throws SandboxException {
        RuntimeConfig without = RuntimeConfig.defaults();
        assertThat(RunObservation.syscallTable(without)).isSameAs(without.syscallTable());

        List<SyscallDecision> decisions = new CopyOnWriteArrayList<>();
        RuntimeConfig with = RuntimeConfig.builder().listener(new SandboxListener() {
            @Override
            public void callDecided(long number, SyscallDecision decision, long result, long nanos) {
                decisions.add(decision);
            }
        }).build();
        SyscallTable table = RunObservation.syscallTable(with);
        try (Arena arena = Arena.ofConfined(); HostIo io = new HostIo(IoConfig.builder().build())) {
            long result = table.dispatch(new SyscallRequest(100_000, 0, 0, 0, 0, 0, 0),
                    GuestMemory.of(arena.allocate(4096)), io, new RunState());
            assertThat(result).isEqualTo(Errno.ENOSYS.result());
        }
        assertThat(decisions).containsExactly(SyscallDecision.NO_ENTRY);
    }

    @Test
    void theRunEventIsNamedAndCategorisedAsJdkEventsAre() {
        EventType type = EventType.getEventType(RunEvent.class);
        assertThat(type.getName()).isEqualTo("dev.hyperlight.nanvix.Run");
        assertThat(type.getLabel()).isEqualTo("Sandbox Run");
        assertThat(type.getCategoryNames()).containsExactly("Hyperlight-Nanvix");
    }
}
