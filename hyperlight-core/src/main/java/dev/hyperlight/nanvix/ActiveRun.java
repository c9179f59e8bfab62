package dev.hyperlight.nanvix;

import java.time.Duration;

/**
 * A run in progress: its vCPU thread, and the hook that stops its VM once the VM exists. A stop
 * asked for before the VM exists is remembered and applied the moment the hook is set, so a
 * cancel or a close that comes early still stops the run.
 */
final class ActiveRun {

    private final String threadName;
    private volatile Thread thread;
    /** Guarded by {@code this}: the hook, null until the VM exists, and whether a stop was asked for. */
    private Runnable stopHook;
    private boolean stopping;

    ActiveRun(String threadName) {
        this.threadName = threadName;
    }

    /** Runs {@code body} on a new platform (daemon) thread: the run's vCPU thread. */
    void start(Runnable body) {
        if (thread != null) {
            throw new IllegalStateException(threadName + " was started already");
        }
        thread = Thread.ofPlatform().name(threadName).daemon(true).start(body);
    }

    String threadName() {
        return threadName;
    }

    /** Whether the caller is this run's own thread (which must never wait for itself). */
    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    /** Sets the hook that stops the VM; calls it at once when the run was stopped before. */
    void stopWith(Runnable hook) {
        synchronized (this) {
            if (!stopping) {
                stopHook = hook;
                return;
            }
        }
        hook.run();
    }

    /** Stops the VM now, or as soon as it exists; idempotent. */
    void stop() {
        Runnable hook;
        synchronized (this) {
            stopping = true;
            hook = stopHook;
        }
        if (hook != null) {
            hook.run();
        }
    }

    /**
     * Waits at most {@code timeout} for the thread to end, by when the run's VMs are destroyed and
     * its child threads joined; whether it ended. A run never started has nothing to wait for.
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        Thread running = thread;
        return running == null || running.join(timeout);
    }
}
