package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.Limits;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.Mount;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes on real VMs (guests/processes.c): each fork is a copy of the whole micro-VM, execve
 * starts a fresh one, and pipes, statuses and kill work across them as on Linux.
 */
class ProcessesTest {

    @TempDir
    Path tmp;

    private RunResult run(String mode) throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .timeout(Duration.ofSeconds(120)).build())) {
            return sandbox.run(Guests.guest("processes"), mode);
        }
    }

    @Test
    void forkPipeExecWaitAndKill() throws Exception {
        RunResult result = run("fork-exec");

        assertThat(result.stdoutText()).isEqualTo("""
                child said: through exec, hello
                exec child exited 0
                interpreter got interpreted /app/script.sh one
                script child exited 5
                execve of a missing file: No such file or directory
                execve of a text file: Exec format error
                failed-exec child exited 3
                spinning child killed by signal 9
                no children left
                """);
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    /**
     * posix_spawn is glibc's clone(CLONE_VM|CLONE_VFORK) with a stack of its own, served with
     * fork's semantics; a fork in a program with two threads goes on with the calling one only.
     */
    @Test
    void posixSpawnAndForkOfAThreadedProgram() throws Exception {
        RunResult result = run("spawn");

        assertThat(result.stdoutText()).isEqualTo("""
                spawned child said: via posix_spawn, spawned
                spawned child exited 0
                child of a threaded parent runs
                child of a threaded parent exited 4
                parent's thread joined
                """);
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    /**
     * guests/fork-fpu.c: x87, MXCSR and XMM0-15 values (and YMM upper halves when the guest can use
     * AVX: the program says whether it can) survive a fork in parent and child. The child's come
     * from the host's copy of the vCPU state, so a wrong XSAVE binding fails here.
     */
    @Test
    void forkKeepsFpuAndVectorRegistersInParentAndChild() throws Exception {
        RunResult result;
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .timeout(Duration.ofSeconds(120)).build())) {
            result = sandbox.run(Guests.guest("fork-fpu"));
        }

        String avx = result.stdoutText().lines().findFirst().orElse("");
        assertThat(avx).isIn("avx usable", "avx not usable in the guest");
        String kept = "x87 stack and control word, MXCSR, XMM0-15"
                + (avx.equals("avx usable") ? " and YMM0-15 upper halves" : "") + " kept";
        assertThat(result.stdoutText()).isEqualTo(avx + "\n"
                + "child: " + kept + "\n"
                + "parent: " + kept + "\n"
                + "child exited 0\n");
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    @Test
    void forkedChildHasItsOwnMemoryAndPid() throws Exception {
        RunResult result = run("memory");

        assertThat(result.stdoutText()).isEqualTo("""
                child: pid is new 1, parent 1, values 2 20
                parent: child returned 22, values 1 10
                """);
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    @Test
    void forkBombIsHeldByTheProcessLimit() throws Exception {
        RunResult result = run("bomb");

        assertThat(result.stdoutText()).isEqualTo("""
                fork stopped with EAGAIN after several children
                reaped all: 1
                """);
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    @Test
    void pipesGiveEndOfFileAndEpipeAcrossProcesses() throws Exception {
        RunResult result = run("pipes");

        assertThat(result.stdoutText()).isEqualTo("""
                read "from child", then 0 (end of file)
                writer without reader killed by signal 13
                write without reader: Broken pipe
                socket pair: pong
                pipe holds 65536 bytes, then EAGAIN
                """);
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }

    /**
     * A program run by host path from inside a mounted directory knows itself by its path in
     * the guest, so it can run itself again (Python's sys.executable is how subprocess does).
     */
    @Test
    void aProgramInsideAMountKnowsItselfByItsGuestPath() throws Exception {
        Path guests = Guests.guest("processes").getParent();
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .mount(Mount.readOnly("/opt/guests", guests)).build())) {
            RunResult result = sandbox.run(Guests.guest("processes"), "self");

            assertThat(result.stdoutText()).isEqualTo("/opt/guests/processes\n");
        }
    }

    /** CPU time is the run's, summed over its processes: a spinning child ends the run at the limit. */
    @Test
    void aSpinningChildCountsAgainstTheRunsCpuTimeAndWallClockLimits() throws Exception {
        Duration cpu = Duration.ofMillis(500);
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .limits(Limits.DEFAULT.withCpuTime(cpu)).timeout(Duration.ofSeconds(60)).build())) {
            RunResult result = sandbox.run(Guests.guest("processes"), "spinning-child");

            assertThat(result.termination()).isEqualTo(new Termination.CpuTimeExceeded(cpu));
            assertThat(result.stdoutText()).isEmpty();
        }
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .timeout(Duration.ofSeconds(2)).build())) {
            RunResult result = sandbox.run(Guests.guest("processes"), "spinning-child");

            assertThat(result.termination()).isEqualTo(new Termination.TimedOut(Duration.ofSeconds(2)));
        }
    }
}
