package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Epoll;
import dev.hyperlight.nanvix.io.HostIo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * epoll_ctl and epoll_wait over the host's epoll instances (file.EpollFile, reached through the
 * process's descriptor calls). Both arrive with the program's own addresses (the guest kernel
 * passes them unchanged). epoll_wait waits as poll does ({@link PollSyscall}): it looks again
 * every few milliseconds until an entry is ready or the timeout (ms, -1: until the run's time
 * limit) passes; an interrupt (how the host stops a run) ends it with EINTR.
 */
final class EpollSyscalls {

    /** Linux's {@code EP_MAX_EVENTS}: most events one wait may ask for. */
    static final long MAX_EVENTS = Integer.MAX_VALUE / Epoll.EVENT_SIZE;

    private EpollSyscalls() {}

    /** epoll_ctl(epfd, op, fd, event): the event is read only for ADD and MOD (DEL may pass none). */
    static long control(SyscallCall c, HostIo io) {
        int op = (int) c.argument(1);
        int events = 0;
        long data = 0;
        if (op != Epoll.EPOLL_CTL_DEL) {
            MemorySegment event = c.struct(3);
            events = event.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            data = event.get(ValueLayout.JAVA_LONG_UNALIGNED, 4);
        }
        io.descriptors().epollControl(c.fd(0), op, c.fd(2), events, data);
        return 0;
    }

    /**
     * epoll_wait(epfd, events, maxevents, timeout). The events array is taken for at most as many
     * entries as the instance has, before any wait: a page the guest kernel must map first stops
     * the call while it has changed nothing (a one-shot entry stays armed).
     */
    static long waitFor(SyscallCall c, HostIo io) {
        long maxEvents = (int) c.argument(2);
        if (maxEvents <= 0 || maxEvents > MAX_EVENTS) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int epfd = c.fd(0);
        long room = Math.min(maxEvents, io.descriptors().epollEntries(epfd));
        MemorySegment out = room == 0 ? MemorySegment.NULL
                : c.memory().writable(c.argument(1), room * Epoll.EVENT_SIZE);
        return ReadinessWait.until((int) c.argument(3), () -> room == 0 ? 0 : io.descriptors().epollReady(epfd, out));
    }
}
