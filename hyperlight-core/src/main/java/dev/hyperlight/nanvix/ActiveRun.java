package dev.hyperlight.nanvix;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A run from the moment it is started until its body ends: the thread running it (one of the
 * sandbox's own vCPU threads or the caller's executor's), its wait for a slot under the bound on
 * concurrent runs, and the hook that stops its VM once the VM exists. A stop asked for before the
 * VM exists is remembered and applied the moment the hook is set, so a cancel or a close that
 * comes early still stops the run; one asked for while it waits for a slot ends the wait.
 */
final class ActiveRun {

    private final String runId;
    /** Whether the run has a thread of its own, which ends with it (else an executor's, which goes on). */
    private final boolean ownThread;
    private final CountDownLatch ended = new CountDownLatch(1);
    /** Guarded by {@code this}: the running thread, the hook, whether a stop was asked for, whether it waits for a slot. */
    private Thread thread;
    private Runnable stopHook;
    private boolean stopping;
    private boolean waitingForSlot;

    ActiveRun(String runId, boolean ownThread) {
        this.runId = runId;
        this.ownThread = ownThread;
    }

    String runId() {
        return runId;
    }

    /** The run's body starts on the calling thread; whether it may go on (false: it was stopped before). */
    synchronized boolean enter() {
        if (thread != null) {
            throw new IllegalStateException(runId + " was started already");
        }
        thread = Thread.currentThread();
        return !stopping;
    }

    /** The run's body has ended: its VMs are destroyed and its child threads joined (its own thread ends next). */
    void exit() {
        ended.countDown();
    }

    /** The running thread's name, or the run's id before it runs. */
    synchronized String describe() {
        return thread == null ? runId : thread.getName();
    }

    /** Whether the caller is this run's own thread (which must never wait for itself). */
    synchronized boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Takes one of {@code slots} for the run, waiting as long as there is none; false when the run
     * was stopped before or during the wait (no slot is then held).
     *
     * @throws InterruptedException when the thread was interrupted by someone else than a stop
     */
    boolean awaitSlot(Semaphore slots) throws InterruptedException {
        synchronized (this) {
            if (stopping) {
                return false;
            }
            waitingForSlot = true;
        }
        boolean acquired = false;
        InterruptedException interruption = null;
        try {
            slots.acquire();
            acquired = true;
        } catch (InterruptedException e) {
            interruption = e;
        }
        synchronized (this) {
            waitingForSlot = false;
            if (stopping) {
                Thread.interrupted(); // the stop's own interrupt must not reach the next task of the thread
                if (acquired) {
                    slots.release();
                }
                return false;
            }
        }
        if (interruption != null) {
            throw interruption;
        }
        return true;
    }

    /** Whether the run was asked to stop (cancelled, or its sandbox closed). */
    synchronized boolean stopping() {
        return stopping;
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

    /** Stops the VM now, or as soon as it exists, or ends the wait for a slot; idempotent. */
    void stop() {
        Runnable hook;
        synchronized (this) {
            stopping = true;
            hook = stopHook;
            if (waitingForSlot) {
                thread.interrupt();
            }
        }
        if (hook != null) {
            hook.run();
        }
    }

    /**
     * Waits at most {@code timeout} for the body to end; whether it did. A run whose body has not
     * started has nothing to wait for: once stopped, it ends as soon as it starts, before any VM.
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        Thread running;
        synchronized (this) {
            running = thread;
        }
        if (running == null) {
            return true;
        }
        return ownThread ? running.join(timeout) : ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
