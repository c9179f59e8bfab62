package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals delivered by the guest kernel (docs/guest-abi.md, "Signals"): handlers run on a
 * Linux-shaped frame and return through rt_sigreturn; the expected output is what the same
 * program prints on Linux.
 */
class SignalsTest {

    private static final Duration GENEROUS = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    private RunResult run(String... args) throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            return sandbox.run(Guests.guest("signals"), args);
        }
    }

    @Test
    void handlersMasksAlternateStackTimersAndThreads() throws Exception {
        RunResult result = run();

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("""
                kill to self: 0, handler ran 1, signo 10, code SI_USER 1, pid ours 1, uid ours 1, context 1
                mask in the handler: SIGUSR1 1, SIGUSR2 1
                mask after the handler: SIGUSR1 0, SIGUSR2 0, FPU value kept 1
                raise: code SI_TKILL 1, handled on this thread 1
                blocked: pending 1, ran while blocked 0, ran at unblock 1
                sa_mask holds SIGUSR2 until the handler returns: order 112
                SA_NODEFER nests: depth 3
                without it the same signal waits: depth 1, calls 3
                SA_RESETHAND: ran 1, handler now SIG_DFL 1
                SA_ONSTACK: on the alternate stack 1, ss_flags SS_ONSTACK 1
                without SA_ONSTACK: on the alternate stack 0
                ignored and default-ignored signals change nothing
                alarm: nanosleep -1 Interrupted system call, handler ran 1, alarm left 0
                pause: -1 Interrupted system call, handler ran 2
                poll: -1 Interrupted system call, handler ran 3
                poll of an empty pipe: -1 Interrupted system call, handler ran 4
                poll with SIGALRM ignored: 0, handler ran 4
                setitimer: getitimer saw it armed 1, 3 expiries, disarmed 1
                pthread_kill: handled on the target thread 1, its nanosleep -1 Interrupted system call
                registers across a handler: result 0, kept 1
                write without readers: -1 Broken pipe, SIGPIPE handler ran 1
                SIGSEGV caught: signo 11, SEGV_MAPERR 1, address 16 1
                SIGFPE caught: signo 8, FPE_INTDIV 1
                siglongjmp restored the mask: SIGSEGV blocked 0
                sigwaitinfo: pending SIGUSR2 taken 1, signo 12
                sigtimedwait with nothing sent: -1 Resource temporarily unavailable
                sigwaitinfo for a signal another thread sends: 1, code SI_USER 1
                a blocked SIGCHLD is kept for sigwaitinfo: 1
                """);
    }

    @Test
    void aSignalWithoutAHandlerEndsTheProcess() throws Exception {
        RunResult result = run("default");

        assertThat(result.stdoutText()).isEqualTo("sending SIGUSR2 to myself\n");
        assertThat(result.termination()).isInstanceOfSatisfying(Termination.Faulted.class,
                killed -> assertThat(killed.signal()).isEqualTo(12));
    }

    @Test
    void aHostileSigreturnFrameEndsTheProcessNotTheKernel() throws Exception {
        RunResult result = run("bad-frame");

        assertThat(result.stdoutText()).isEqualTo("returning to a kernel address\n");
        assertThat(result.termination()).isInstanceOfSatisfying(Termination.Faulted.class,
                killed -> assertThat(killed.signal()).isEqualTo(11));
    }

    @Test
    void pythonHandlersKeyboardInterruptAndAlarms() throws Exception {
        String code = """
                import os, signal, threading, time
                got = []
                signal.signal(signal.SIGUSR1, lambda signo, frame: got.append(signo))
                os.kill(os.getpid(), signal.SIGUSR1)
                print("os.kill to self:", got == [signal.SIGUSR1])
                signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
                print("pthread_kill:", len(got))
                try:
                    signal.raise_signal(signal.SIGINT)
                    print("no KeyboardInterrupt")
                except KeyboardInterrupt:
                    print("KeyboardInterrupt from raise_signal")
                class Alarm(Exception):
                    pass
                def on_alarm(signo, frame):
                    raise Alarm
                signal.signal(signal.SIGALRM, on_alarm)
                signal.alarm(1)
                try:
                    time.sleep(30)
                    print("slept through the alarm")
                except Alarm:
                    print("signal.alarm ended a sleep")
                signal.setitimer(signal.ITIMER_REAL, 0.05)
                try:
                    signal.pause()
                except Alarm:
                    print("setitimer ended a pause, left:", signal.getitimer(signal.ITIMER_REAL))
                """;
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(Duration.ofMinutes(3)).build())) {
            RunResult result = sandbox.runCode(GuestRuntime.PYTHON, code);

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    os.kill to self: True
                    pthread_kill: 2
                    KeyboardInterrupt from raise_signal
                    signal.alarm ended a sleep
                    setitimer ended a pause, left: (0.0, 0.0)
                    """);
        }
    }
}
