package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vDSO (docs/guest-abi.md, "vDSO and vvar"): static glibc (guests/vdso.c) and CPython's
 * dynamic glibc read the clocks through it, with the answers of the system calls.
 */
class VdsoTest {

    @TempDir
    Path tmp;

    private Sandbox sandbox(Duration timeout) throws Exception {
        return new Sandbox(Suite.config().tmpDirectory(tmp).timeout(timeout).build());
    }

    /**
     * The guest checks the auxv entry, agreement with clock_gettime, gettimeofday and time as
     * system calls, and that with the vvar page unmapped glibc's calls fault in it: they run in
     * the vDSO, not in the kernel.
     */
    @Test
    void staticGlibcReadsTheClocksInTheVdso() throws Exception {
        RunResult result;
        try (Sandbox sandbox = sandbox(Duration.ofMinutes(2))) {
            result = sandbox.run(Guests.guest("vdso"));
        }

        assertThat(result.stdoutText()).doesNotContain("FAILED").contains(
                "AT_SYSINFO_EHDR is a page: ok",
                "CLOCK_MONOTONIC agrees with the system call: ok",
                "CLOCK_REALTIME agrees with the system call: ok",
                "gettimeofday agrees with the system call: ok",
                "time agrees with the system call: ok",
                "sched_getcpu is CPU 0: ok",
                "CLOCK_MONOTONIC goes forward, across a sleep too: ok",
                "clock_gettime(CLOCK_MONOTONIC) reads the vvar page: ok",
                "time reads the vvar page: ok",
                "CLOCK_PROCESS_CPUTIME_ID goes to the system call: ok",
                "0 failures");
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    /** time.time() is the host's time; time.monotonic() starts at one second and goes forward. */
    @Test
    void cpythonsClocksStayRight() throws Exception {
        String code = """
                import time
                wall = time.time()
                first = time.monotonic()
                time.sleep(0.05)
                second = time.monotonic()
                print(f"{wall:.3f} {first:.6f} {second:.6f} {time.process_time() >= 0}")
                """;
        Instant before = Instant.now();
        RunResult result;
        try (Sandbox sandbox = sandbox(Duration.ofMinutes(3))) {
            result = sandbox.runCode(GuestRuntime.PYTHON, code);
        }
        Instant after = Instant.now();

        assertThat(result.termination()).as(result.stderrText()).isEqualTo(new Termination.Exited(0));
        String[] fields = result.stdoutText().strip().split(" ");
        double wall = Double.parseDouble(fields[0]);
        double first = Double.parseDouble(fields[1]);
        double second = Double.parseDouble(fields[2]);
        // The guest's real time is the host's at boot plus the TSC since: within a second.
        assertThat(wall).isBetween(before.getEpochSecond() - 1.0, after.getEpochSecond() + 1.0);
        assertThat(first).isGreaterThanOrEqualTo(1.0).isLessThan(1.0 + Duration.between(before, after).toSeconds() + 1);
        assertThat(second - first).isGreaterThanOrEqualTo(0.05);
        assertThat(fields[3]).isEqualTo("True");
    }
}
