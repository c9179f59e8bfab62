package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
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
        RuntimeConfig config = Suite.config().memorySize(MEMORY).tmpDirectory(tmp).build();
        runOnce(config); // warm up class loading, JIT threads and the signal handler
        HostResources before = HostResources.now();

        for (int i = 0; i < RUNS; i++) {
            assertThat(runOnce(config).exitCode()).isEqualTo(3);
        }

        HostResources after = HostResources.now();
        assertThat(after.fileDescriptors()).as("open file descriptors").isLessThanOrEqualTo(before.fileDescriptors() + 2);
        assertThat(after.threads()).as("threads").isLessThanOrEqualTo(before.threads() + 4);
        // 200 leaked guest RAM mappings would be 200 x 64 MiB of address space.
        assertThat(after.virtualMemoryKib() - before.virtualMemoryKib()).as("growth of virtual memory in KiB")
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
        RuntimeConfig config = Suite.config().memorySize(MEMORY).tmpDirectory(tmp).build();
        runProcesses(config, "orphans");
        HostResources before = HostResources.now();

        for (int i = 0; i < 10; i++) {
            assertThat(runProcesses(config, i % 2 == 0 ? "bomb" : "orphans").exitCode()).isZero();
        }

        HostResources after = HostResources.now();
        assertThat(after.fileDescriptors()).as("open file descriptors").isLessThanOrEqualTo(before.fileDescriptors() + 2);
        assertThat(after.threads()).as("threads").isLessThanOrEqualTo(before.threads() + 4);
        // Each bomb run made 15 child VMs: leaked ones would be 75 x 64 MiB of address space.
        assertThat(after.virtualMemoryKib() - before.virtualMemoryKib()).as("growth of virtual memory in KiB")
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
}
