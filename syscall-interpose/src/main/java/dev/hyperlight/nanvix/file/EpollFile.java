package dev.hyperlight.nanvix.file;

import static dev.hyperlight.nanvix.abi.Epoll.*;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An epoll instance ({@code epoll_create1}): the interest list of one or more processes (it is
 * shared across fork like any open file), each entry an fd with the open file it named when it was
 * added, the events wanted and the caller's 64-bit data. A wait reports each entry whose file is
 * ready ({@link OpenFile#readiness}, the same answer poll gives) as a {@code struct epoll_event}.
 *
 * <p>As on Linux, an entry belongs to the open file description: it goes when the last fd naming
 * that file closes (checked at each look), and {@code EPOLLONESHOT} disables an entry once it is
 * reported until {@code EPOLL_CTL_MOD}. {@code EPOLLET} reports an event once each time it becomes
 * ready as seen at the looks this host makes (Linux also reports again when more data arrives on a
 * file already readable; a program using edge triggering reads until EAGAIN, so either serves it).
 * An epoll instance cannot be added to another (EINVAL): nesting is not supported.
 */
public final class EpollFile extends OpenFile {

    /** Reported whatever was asked, as by poll. */
    private static final int ALWAYS_REPORTED = Poll.POLLERR | Poll.POLLHUP;
    private static final int MODES = EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET;
    private static final long ANONYMOUS_DEVICE = 2;

    /** One watched fd: what it wants, its data, and the edge-triggered events already reported. */
    private static final class Interest {
        final OpenFile file;
        int events;
        long data;
        int reported;

        Interest(OpenFile file, int events, long data) {
            this.file = file;
            this.events = events;
            this.data = data;
        }
    }

    private final Map<Integer, Interest> interests = new LinkedHashMap<>();
    private final Stat stat;

    public EpollFile(long inode) {
        super(Fcntl.O_RDWR, 0);
        Instant now = Instant.now();
        // An anonymous inode, as Linux's fstat shows an epoll fd.
        this.stat = new Stat(ANONYMOUS_DEVICE, inode, 1, 0600, GuestNamespace.GUEST_OWNER, GuestNamespace.GUEST_OWNER,
                0, 0, GuestNamespace.BLOCK_SIZE, 0, now, now, now);
    }

    /**
     * EPOLL_CTL_ADD, _MOD, _DEL of {@code fd}, which names {@code file} now; {@code events} and
     * {@code data} are the caller's {@code struct epoll_event} (unused by DEL).
     */
    public synchronized void control(int op, int fd, OpenFile file, int events, long data) {
        if (file == this || file instanceof EpollFile) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (file instanceof RegularFile || file instanceof DirectoryFile) {
            throw new ErrnoException(Errno.EPERM); // Linux: files that cannot be polled
        }
        Interest present = interests.get(fd);
        if (present != null && present.file != file) {
            interests.remove(fd); // its file closed, and the fd now names another
            present = null;
        }
        switch (op) {
            case EPOLL_CTL_ADD -> {
                if (present != null) {
                    throw new ErrnoException(Errno.EEXIST);
                }
                interests.put(fd, new Interest(file, events, data));
            }
            case EPOLL_CTL_MOD -> {
                if (present == null) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                if ((events & EPOLLEXCLUSIVE) != 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                present.events = events;
                present.data = data;
                present.reported = 0;
            }
            case EPOLL_CTL_DEL -> {
                if (present == null) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                interests.remove(fd);
            }
            default -> throw new ErrnoException(Errno.EINVAL);
        }
    }

    /** Entries now: the bound on what one wait can report. */
    public synchronized int size() {
        dropClosed();
        return interests.size();
    }

    /**
     * Writes the ready entries, at most {@code out.byteSize() / EVENT_SIZE} of them, into {@code
     * out} as {@code struct epoll_event}s; returns how many. Oldest entries first, as added.
     */
    public synchronized int collect(MemorySegment out) {
        dropClosed();
        long room = out.byteSize() / EVENT_SIZE;
        int count = 0;
        for (Interest interest : interests.values()) {
            if (count == room) {
                break;
            }
            int wanted = interest.events & ~MODES;
            if (wanted == 0 && (interest.events & EPOLLONESHOT) != 0) {
                continue; // disabled until EPOLL_CTL_MOD
            }
            int ready = interest.file.readiness(wanted | ALWAYS_REPORTED) & (wanted | ALWAYS_REPORTED);
            if ((interest.events & EPOLLET) != 0) {
                interest.reported &= ready; // an event that went away may be reported again
                int rising = ready & ~interest.reported;
                interest.reported |= rising;
                ready = rising;
            }
            if (ready == 0) {
                continue;
            }
            if ((interest.events & EPOLLONESHOT) != 0) {
                interest.events &= MODES;
            }
            out.set(ValueLayout.JAVA_INT_UNALIGNED, count * EVENT_SIZE, ready);
            out.set(ValueLayout.JAVA_LONG_UNALIGNED, count * EVENT_SIZE + 4, interest.data);
            count++;
        }
        return count;
    }

    private void dropClosed() {
        for (Iterator<Interest> it = interests.values().iterator(); it.hasNext();) {
            if (it.next().file.released()) {
                it.remove();
            }
        }
    }

    /** Readable while an entry is ready, as Linux reports an epoll fd to poll. */
    @Override
    public synchronized int readiness(int events) {
        dropClosed();
        for (Interest interest : interests.values()) {
            int wanted = interest.events & ~MODES;
            if (wanted != 0 && (interest.file.readiness(wanted | ALWAYS_REPORTED) & (wanted | ALWAYS_REPORTED)) != 0) {
                return events & (Poll.POLLIN | Poll.POLLRDNORM);
            }
        }
        return 0;
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public synchronized void release() {
        interests.clear();
    }
}
