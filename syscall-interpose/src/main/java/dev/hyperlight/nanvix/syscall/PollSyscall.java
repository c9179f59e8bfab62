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
 * limit) for one to be ready ({@link ReadinessWait}).
 */
final class PollSyscall {

    /** Most fds one poll names (the hard RLIMIT_NOFILE the guest kernel reports). */
    static final long MAX_FDS = 4096;
    private static final long POLLFD_SIZE = 8;
    /** Reported whatever was asked, as Linux does. */
    private static final int ALWAYS_REPORTED = Poll.POLLERR | Poll.POLLHUP | Poll.POLLNVAL;

    private PollSyscall() {}

    static long poll(SyscallCall c, HostIo io) {
        long nfds = c.argument(1);
        if (nfds < 0 || nfds > MAX_FDS) {
            throw new ErrnoException(Errno.EINVAL);
        }
        MemorySegment fds = c.memory().range(c.argument(0), nfds * POLLFD_SIZE);
        return ReadinessWait.until((int) c.argument(2), () -> {
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
            return ready;
        });
    }
}
