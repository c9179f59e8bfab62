package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many sandboxes, one after another, leave no file descriptors, threads or mappings behind. */
class ResourceLeakTest {

    private static final int RUNS = 200;
    private static final long MEMORY = 64L << 20;

    @TempDir
    Path tmp;

    @Test
    void twoHundredSandboxesLeaveNothingBehind() throws Exception {
        RuntimeConfig config = RuntimeConfig.builder().memorySize(MEMORY).tmpDirectory(tmp).build();
        runOnce(config); // warm up class loading, JIT threads and the signal handler
        long fds = openFileDescriptors();
        long threads = threads();
        long virtualKib = virtualMemoryKib();

        for (int i = 0; i < RUNS; i++) {
            assertThat(runOnce(config).exitCode()).isEqualTo(3);
        }

        assertThat(openFileDescriptors()).as("open file descriptors").isLessThanOrEqualTo(fds + 2);
        assertThat(threads()).as("threads").isLessThanOrEqualTo(threads + 4);
        // 200 leaked guest RAM mappings would be 200 x 64 MiB of address space.
        assertThat(virtualMemoryKib() - virtualKib).as("growth of virtual memory in KiB")
                .isLessThan(RUNS * (MEMORY >> 10) / 10);
        try (var left = Files.list(tmp)) {
            assertThat(left).as("run directories").isEmpty();
        }
    }

    /**
     * Runs whose processes fork (up to the process limit) or leave children running at their end
     * close every child VM and vCPU thread: the host stops the children when the first process ends.
     */
    @Test
    void forkingRunsLeaveNothingBehind() throws Exception {
        RuntimeConfig config = RuntimeConfig.builder().memorySize(MEMORY).tmpDirectory(tmp).build();
        runProcesses(config, "orphans");
        long fds = openFileDescriptors();
        long threads = threads();
        long virtualKib = virtualMemoryKib();

        for (int i = 0; i < 10; i++) {
            assertThat(runProcesses(config, i % 2 == 0 ? "bomb" : "orphans").exitCode()).isZero();
        }

        assertThat(openFileDescriptors()).as("open file descriptors").isLessThanOrEqualTo(fds + 2);
        assertThat(threads()).as("threads").isLessThanOrEqualTo(threads + 4);
        // Each bomb run made 15 child VMs: leaked ones would be 75 x 64 MiB of address space.
        assertThat(virtualMemoryKib() - virtualKib).as("growth of virtual memory in KiB")
                .isLessThan(75 * (MEMORY >> 10) / 10);
    }

    private static RunResult runProcesses(RuntimeConfig config, String mode) throws Exception {
        try (Sandbox sandbox = new Sandbox(config)) {
            return sandbox.run(Guests.guest("processes"), mode);
        }
    }

    private static RunResult runOnce(RuntimeConfig config) throws Exception {
        try (Sandbox sandbox = new Sandbox(config)) {
            return sandbox.run(Guests.guest("exit-status"), "3");
        }
    }

    private static long openFileDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static long threads() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.count();
        }
    }

    private static long virtualMemoryKib() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmSize:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst()
                .orElseThrow();
    }
}
