package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.io.HostIo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * poll(fds, nfds, timeout_ms): fills each {@code struct pollfd}'s {@code revents} from the open
 * file's state ({@link HostIo#readiness}), waiting up to the timeout (-1: until the run's time
 * limit) for one to be ready. The wait looks again every few milliseconds; an interrupt (how the
 * host stops a run) ends it with EINTR.
 */
final class PollSyscall {

    /** Most fds one poll names (the hard RLIMIT_NOFILE the guest kernel reports). */
    static final long MAX_FDS = 4096;
    private static final long POLLFD_SIZE = 8;
    /** Longest pause between two looks at the fds while waiting. */
    private static final long MAX_PAUSE_NANOS = 10_000_000;
    /** Reported whatever was asked, as Linux does. */
    private static final int ALWAYS_REPORTED = Poll.POLLERR | Poll.POLLHUP | Poll.POLLNVAL;

    private PollSyscall() {}

    static long poll(SyscallCall c, HostIo io) {
        long nfds = c.argument(1);
        if (nfds < 0 || nfds > MAX_FDS) {
            throw new ErrnoException(Errno.EINVAL);
        }
        MemorySegment fds = c.memory().range(c.argument(0), nfds * POLLFD_SIZE);
        long timeoutMillis = (int) c.argument(2);
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000;
        long pause = 500_000;
        while (true) {
            int ready = 0;
            for (long i = 0; i < nfds; i++) {
                long at = i * POLLFD_SIZE;
                int fd = fds.get(ValueLayout.JAVA_INT_UNALIGNED, at);
                int events = Short.toUnsignedInt(fds.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 4));
                int revents = fd < 0 ? 0 : io.descriptors().readiness(fd, events) & (events | ALWAYS_REPORTED);
                fds.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 6, (short) revents);
                if (revents != 0) {
                    ready++;
                }
            }
            long left = deadline - System.nanoTime();
            if (ready > 0 || left <= 0) {
                return ready;
            }
            try {
                Thread.sleep(java.time.Duration.ofNanos(Math.min(pause, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the run loop sees why (a time limit, a kill)
                throw new ErrnoException(Errno.EINTR);
            }
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }
}
