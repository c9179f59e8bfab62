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
 * Threads on the guest kernel's scheduler (one vCPU, switches at blocking calls and time slices): glibc's
 * POSIX threads from C, and CPython's threading, queue and concurrent.futures.
 */
class ThreadsTest {

    /** CPython start-up runs partly under PVM's instruction emulation today: seconds, not ms. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    @Test
    void posixThreadsCreateJoinLockWaitAndKeepTheirOwnState() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            RunResult result = sandbox.run(Guests.guest("threads"));

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    joined 8 threads, counter 8000, finished 8
                    return values and thread-local storage ok, main tls -1
                    thread ids distinct 1, main thread id is the pid 1
                    ping-pong 200 rounds
                    futex wait with timeout: -1 ETIMEDOUT, waited at least 20 ms: 1
                    futex absolute wait: -1 ETIMEDOUT
                    futex wait on a changed word: -1 EAGAIN
                    futex on a misaligned word: -1 EINVAL
                    timed condition wait: ETIMEDOUT
                    main ran while a thread slept: 1, then it finished: 1
                    rounding modes kept per thread: 1 1
                    pthread_exit value 7, 100 detached threads came and went
                    robust mutex after its owner died: EOWNERDEAD
                    unsupported clone flags: EINVAL
                    """);
        }
    }

    @Test
    void theProgramOutlivesItsMainThread() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            RunResult result = sandbox.run(Guests.guest("threads"), "main-exits-first");

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("the last thread finishes after main exited\n");
        }
    }

    @Test
    void aDeadlockEndsAtTheTimeLimit() throws Exception {
        Duration limit = Duration.ofSeconds(2);
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(limit).build())) {
            RunResult result = sandbox.run(Guests.guest("threads"), "deadlock");

            assertThat(result.termination()).isEqualTo(new Termination.TimedOut(limit));
            assertThat(result.stdoutText()).isEqualTo("waiting for a thread that waits for ever\n");
        }
    }

    @Test
    void pythonThreadsQueueEventAndThreadPool() throws Exception {
        String code = """
                import concurrent.futures, queue, threading, time
                q = queue.Queue()
                def produce(n):
                    for i in range(25):
                        q.put((n, i))
                        if i % 5 == 0:
                            time.sleep(0.001)
                workers = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
                for w in workers:
                    w.start()
                for w in workers:
                    w.join()
                items = sorted(q.get() for _ in range(q.qsize()))
                print("queued", len(items), "from", len({n for n, _ in items}), "threads")
                ready = threading.Event()
                threading.Timer(0.05, ready.set).start()
                print("event set by a timer thread:", ready.wait(30))
                print("event wait times out:", threading.Event().wait(0.01))
                with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                    print("pool map:", sum(pool.map(lambda x: x * x, range(100))))
                local = threading.local()
                local.name = "main"
                def other():
                    local.name = "other"
                t = threading.Thread(target=other)
                t.start()
                t.join()
                print("thread-local:", local.name, threading.active_count())
                stop = False
                def poller():
                    while not stop:
                        time.sleep(0.00001)  # over before the call arrives: still a yield
                poll_thread = threading.Thread(target=poller)
                poll_thread.start()
                print("main runs while a thread polls with short sleeps")
                stop = True
                poll_thread.join()
                """;
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build())) {
            RunResult result = sandbox.runCode(GuestRuntime.PYTHON, code);

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    queued 100 from 4 threads
                    event set by a timer thread: True
                    event wait times out: False
                    pool map: 328350
                    thread-local: main 1
                    main runs while a thread polls with short sleeps
                    """);
        }
    }

    /**
     * CPython's own queue tests that use threads (blocking and timed get/put, task_done/join,
     * a failing queue), the fast part of test_queue; the whole module (100 threads at once,
     * minutes in the VM) runs in the compatibility harness.
     */
    @Test
    void cpythonQueueRegressionTestsPass() throws Exception {
        RunResult result = CPythonRegressionTests.run(tmp,
                "test.test_queue.PyQueueTest", "test.test_queue.CQueueTest", "test.test_queue.CFailingQueueTest");

        assertThat(result.stderrText()).contains("Ran 13 tests in").contains("\nOK");
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
    }
}
