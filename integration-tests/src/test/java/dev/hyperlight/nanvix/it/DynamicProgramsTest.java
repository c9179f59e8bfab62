package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamically linked programs built on this machine, unmodified: the sandbox mounts the base
 * runtime image at {@code /}, the guest kernel loads their interpreter
 * (/lib64/ld-linux-x86-64.so.2) from it, and the interpreter maps glibc, libstdc++ and libgcc_s
 * with file-backed mmap.
 */
class DynamicProgramsTest {

    @TempDir
    Path tmp;

    private RunResult runWithBaseImage(String example, String... args) throws Exception {
        RuntimeConfig config = Suite.config().tmpDirectory(tmp).timeout(Duration.ofMinutes(2)).build();
        try (Sandbox sandbox = new Sandbox(config)) {
            return sandbox.run(Guests.example(example), args);
        }
    }

    @Test
    void dynamicallyLinkedCRuns() throws Exception {
        RunResult result = runWithBaseImage("hello-c-dynamic", "one", "two words");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText())
                .contains("Hello from C in a Hyperlight-Nanvix micro-VM!")
                .contains("read back: written from the guest")
                .contains("arguments: 2, year >= 2024: yes")
                .contains("argv[2] = two words");
    }

    @Test
    void cppWithStringsVectorsAndAnExceptionRuns() throws Exception {
        RunResult result = runWithBaseImage("hello-cpp");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("""
                Hello from C++ in a Hyperlight-Nanvix micro-VM, guest!
                sum of the first 10 squares: 385
                caught: division by zero
                """);
    }

    @Test
    void rustWithCollectionsAndAFileInTmpRuns() throws Exception {
        RunResult result = runWithBaseImage("hello-rust");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("""
                Hello from Rust in a Hyperlight-Nanvix micro-VM!
                word counts: {"guest": 1, "kernel": 1, "micro": 2, "vm": 2}, 4 distinct
                pi to 5 places: 3.14159, hex: 0xbeef, padded: [ right]
                read back: written from Rust
                """);
    }
}
