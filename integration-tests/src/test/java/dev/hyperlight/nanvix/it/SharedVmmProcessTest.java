package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-process deployment with VMM processes shared by several VMs of one sandbox
 * ({@code Deployment.MultiProcess(poolSize, vmsPerProcess)}, docs/architecture.md,
 * "Deployments"): concurrent runs and forked children share a process, sequential runs reuse it
 * instead of starting one each, a shared process that dies or misbehaves ends exactly the runs
 * it hosts, and it lets go of each VM's descriptors and memory when the VM closes.
 */
class SharedVmmProcessTest {

    private static final Duration GENEROUS = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private RuntimeConfig.Builder shared(int poolSize, int vmsPerProcess) {
        return RuntimeConfig.builder().tmpDirectory(tmp).timeout(GENEROUS)
                .deployment(new Deployment.MultiProcess(poolSize, vmsPerProcess));
    }

    /**
     * Three concurrent runs in a sandbox whose VMM processes host up to four VMs run in one
     * process (one thread per vCPU there); killing it ends the three, and only them: the
     * sandbox's next run starts in another process.
     */
    @Test
    void concurrentRunsShareAProcessAndEndWithIt() throws Exception {
        SpinningLines spinning = new SpinningLines();
        try (Sandbox sandbox = new Sandbox(shared(1, 4).warmStarts(false).stdout(spinning).build())) {
            List<CompletableFuture<RunResult>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(sandbox.runAsync(Guests.guest("spin")));
            }
            spinning.await(3);
            List<ProcessHandle> hosting = ProcSelf.vmmProcessesRunningAVcpu();
            assertThat(hosting).as("VMM processes hosting the three VMs").hasSize(1);
            assertThat(vmmThreads(hosting.get(0))).as("its main thread and one per vCPU").isEqualTo(4);

            hosting.get(0).destroyForcibly();
            for (CompletableFuture<RunResult> run : runs) {
                assertThat(run.get(GENEROUS.toSeconds(), TimeUnit.SECONDS).termination())
                        .isInstanceOfSatisfying(Termination.VmFailed.class,
                                failed -> assertThat(failed.reason()).contains("VMM process"));
            }
            assertThat(sandbox.run(Guests.guest("exit-status"), "7").exitCode()).isEqualTo(7);
        }
    }

    /**
     * Sequential runs, cold and warm, reuse the process that hosted the first instead of taking a
     * new one each (with one VM per process every run would start a replacement): over twenty
     * runs the sandbox starts no process beyond its pool and the first. The reused process holds
     * no more descriptors or mappings after the last run than after the first (each VM's RAM,
     * vCPU ring and descriptors go with it), and everything ends with the sandbox.
     */
    @Test
    void sequentialRunsReuseTheProcessAndLeaveNothingBehind() throws Exception {
        long descriptors = descriptors(ProcessHandle.current());
        for (boolean warm : new boolean[] {false, true}) {
            Set<Long> seen = new HashSet<>();
            try (Sandbox sandbox = new Sandbox(shared(2, 4).warmStarts(warm).build())) {
                assertThat(sandbox.run(Guests.guest("exit-status"), "1").exitCode()).isEqualTo(1);
                Map<ProcessHandle, List<Long>> afterFirst = new HashMap<>();
                ProcSelf.vmmProcesses().forEach(vmm -> afterFirst.put(vmm, List.of(descriptors(vmm), mappings(vmm))));
                afterFirst.keySet().forEach(vmm -> seen.add(vmm.pid()));
                for (int i = 0; i < 20; i++) {
                    int status = 10 + i;
                    assertThat(sandbox.run(Guests.guest("exit-status"), String.valueOf(status)).exitCode()).isEqualTo(status);
                    ProcSelf.vmmProcesses().forEach(vmm -> seen.add(vmm.pid()));
                }
                assertThat(seen).as("VMM processes started, warm starts " + warm).hasSizeLessThanOrEqualTo(warm ? 4 : 3);
                afterFirst.forEach((vmm, counts) -> {
                    assertThat(vmm.isAlive()).as("VMM process %d lives on", vmm.pid()).isTrue();
                    assertThat(List.of(descriptors(vmm), mappings(vmm)))
                            .as("descriptors and memfd mappings of VMM process %d", vmm.pid()).isEqualTo(counts);
                });
            }
            assertThat(ProcSelf.awaitAtMost(ProcSelf::vmmProcesses, 0)).isEmpty();
        }
        assertThat(descriptors(ProcessHandle.current())).isLessThanOrEqualTo(descriptors);
        assertThat(Files.readAllLines(Path.of("/proc/self/maps"))).noneMatch(line -> line.contains("memfd:hyperlight"));
    }

    /** A forked child's VM and the programs it runs share their parent's process, and behave. */
    @Test
    void forkedChildrenThreadsAndRuntimesRunInASharedProcess() throws Exception {
        try (Sandbox sandbox = new Sandbox(shared(1, 8).build())) {
            RunResult processes = sandbox.run(Guests.guest("processes"), "fork-exec");
            assertThat(processes.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(processes.stdoutText()).contains("exec child exited 0").contains("no children left");

            RunResult threads = sandbox.run(Guests.guest("threads"));
            assertThat(threads.stdoutText()).contains("joined 8 threads, counter 8000, finished 8");

            RunResult python = sandbox.run(Guests.example("hello.py"), "an argument");
            assertThat(python.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(python.stdoutText()).contains("arguments: ['an argument']");
        }
    }

    /**
     * A shared VMM process that answers a {@code KVM_RUN} with garbage is killed, not given back:
     * the run ends as VmFailed, and only the pool's fresh process is left.
     */
    @Test
    void aSharedProcessThatSendsGarbageIsEndedNotReused() throws Exception {
        try (Sandbox faulty = new Sandbox(shared(1, 4).hypervisor("kvm-garbage-exit-reason").warmStarts(false).build())) {
            RunResult failed = faulty.run(Guests.example("hello.py"));
            assertThat(failed.termination()).isInstanceOf(Termination.VmFailed.class);
            assertThat(ProcSelf.awaitAtMost(ProcSelf::vmmProcesses, 1)).as("the pool's process only").hasSize(1);
            assertThat(ProcSelf.vmmProcessesRunningAVcpu()).isEmpty();
        }
        assertThat(ProcSelf.awaitAtMost(ProcSelf::vmmProcesses, 0)).isEmpty();
    }

    /**
     * The process's own threads, by name: KVM adds a worker of its own per VM to the process on
     * newer kernels (kvm-nx-lpage-recovery), which is not the VMM's.
     */
    private static long vmmThreads(ProcessHandle process) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(process.pid()), "task"))) {
            return tasks.filter(task -> {
                try {
                    return Files.readString(task.resolve("comm")).startsWith("hyperlight-vmm");
                } catch (IOException ended) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long descriptors(ProcessHandle process) {
        return count(Path.of("/proc", String.valueOf(process.pid()), "fd"));
    }

    /** The process's mappings of memfds (guest RAM, rings). */
    private static long mappings(ProcessHandle process) {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "maps")).stream()
                    .filter(line -> line.contains("memfd:")).count();
        } catch (IOException gone) {
            return -1;
        }
    }

    private static long count(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The spin guests' stdout: {@link #await(int)} returns once that many have said they spin. */
    private static final class SpinningLines extends OutputStream {
        private final StringBuilder line = new StringBuilder();
        private final Semaphore said = new Semaphore(0);

        /** Whole writes at once: the runs share this stream, and a guest's line is one write. */
        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                line.append((char) b);
                return;
            }
            if (line.toString().endsWith("spinning")) {
                said.release();
            }
            line.setLength(0);
        }

        void await(int guests) throws InterruptedException {
            assertThat(said.tryAcquire(guests, 60, TimeUnit.SECONDS)).as(guests + " guests started spinning").isTrue();
        }
    }
}
