package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls that wait on the host (docs/guest-abi.md, "Threads and waits on the host"): a thread
 * waiting in a pipe read or write is parked so that the program's other threads run, and the
 * alarm ends such a wait with EINTR or, under SA_RESTART, makes the call again. Each of these
 * hung until the time limit before: the host's wait held the only vCPU.
 */
class BlockingCallsTest {

    private static final Duration GENEROUS = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    @Test
    void waitingThreadsLetOthersRunAndSignalsEndOrRestartTheirWaits() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            RunResult result = sandbox.run(Guests.guest("blocking"));

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    main ran 5 laps while a thread waited in read: 1
                    the thread then read 5 bytes: hello
                    a thread waiting in poll (1) woke when main wrote: 1 POLLIN
                    a poll with nothing to read timed out: 0
                    two waiting readers woke in the order of their writes: BA
                    a writer waited for room (1) and wrote 81920 bytes, all read: 1
                    alarm without SA_RESTART: read -1 EINTR, handler ran 1
                    alarm with SA_RESTART: read 1 'x', handler ran 1
                    with another thread: read -1 EINTR, handler ran 1
                    """);
        }
    }

    /** Code that spins without system calls hung a program before: nothing took the CPU from it. */
    @Test
    void theHostPreemptsCodeThatSpinsSoOtherThreadsAndTheAlarmRun() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            RunResult result = sandbox.run(Guests.guest("blocking"), "preempt");

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    main slept 3 times beside a spinning thread: 1, which spun meanwhile: 1
                    the alarm's handler ran in a program that spins: 1
                    """);
        }
    }

    @Test
    void aProgramWithOneThreadStillLetsTheHostWait() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            RunResult result = sandbox.run(Guests.guest("blocking"), "single");

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("one thread read 10 bytes: from child\n");
        }
    }
}
