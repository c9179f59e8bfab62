package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import java.time.Duration;

/**
 * The host's side of a wait for fds (poll, epoll_wait): looks until something is ready or the
 * timeout passes, pausing between looks from 0.5 ms up to 10 ms (the host has no event for a
 * guest's fd becoming ready). An interrupt (how the host stops a run) ends the wait with EINTR.
 */
final class ReadinessWait {

    /** How many entries are ready now; fills in what it reports as a side effect. */
    @FunctionalInterface
    interface Look {
        int ready();
    }

    private static final long FIRST_PAUSE_NANOS = 500_000;
    private static final long MAX_PAUSE_NANOS = 10_000_000;

    private ReadinessWait() {}

    /** The first look's count that is above 0, or the last look's at the timeout ({@code < 0}: none). */
    static int until(long timeoutMillis, Look look) {
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000;
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            int ready = look.ready();
            long left = deadline - System.nanoTime();
            if (ready > 0 || left <= 0) {
                return ready;
            }
            try {
                Thread.sleep(Duration.ofNanos(Math.min(pause, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the run loop sees why (a time limit, a kill)
                throw new ErrnoException(Errno.EINTR);
            }
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }
}
