package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Poll;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes in flight in one pipe: a bounded ring buffer between the processes holding its ends,
 * of {@link #CAPACITY} bytes (Linux's default pipe size) while the run's {@link Budget} lasts and
 * of {@link #PIPE_BUF} bytes after it, as Linux shrinks the pipes of a user past
 * {@code pipe-user-pages-soft}: so the host memory a guest can tie up in pipes is bounded. A read waits for data or for the
 * last write end to close (end of file); a write waits for room, or fails with EPIPE once no read
 * end is left. Waits end early with EINTR when the waiting host thread is interrupted: that is how
 * a run's time limit or a kill stops a process blocked on a pipe.
 */
public final class PipeBuffer {

    /** Linux's default pipe capacity. */
    static final int CAPACITY = 64 * 1024;
    /** Writes of at most this many bytes are atomic (never interleaved with other writers'). */
    static final int PIPE_BUF = 4096;

    /** Host memory a run may hold in full-size pipe buffers (Linux's default soft limit is 64 MiB per user). */
    static final long RUN_BUDGET = 16L << 20;

    /** What is left of a run's {@link #RUN_BUDGET}, shared by its processes. */
    public static final class Budget {
        private final AtomicLong left = new AtomicLong(RUN_BUDGET);

        /** A full-size buffer if the budget allows one, else a one-page one. */
        int take() {
            while (true) {
                long now = left.get();
                if (now < CAPACITY) {
                    return PIPE_BUF;
                }
                if (left.compareAndSet(now, now - CAPACITY)) {
                    return CAPACITY;
                }
            }
        }

        void giveBack(int capacity) {
            if (capacity == CAPACITY) {
                left.addAndGet(CAPACITY);
            }
        }
    }

    private final Budget budget;
    private final byte[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int start;
    private int size;
    private int readers = 1;
    private int writers = 1;

    PipeBuffer(Budget budget) {
        this.budget = budget;
        this.ring = new byte[budget.take()];
    }

    /** Reads up to {@code buffer}'s size: 0 at end of file, EAGAIN when empty and not waiting. */
    long read(MemorySegment buffer, boolean nonBlocking) {
        if (buffer.byteSize() == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (size == 0) {
                if (writers == 0) {
                    return 0;
                }
                if (nonBlocking) {
                    throw new ErrnoException(Errno.EAGAIN);
                }
                await();
            }
            int n = (int) Math.min(buffer.byteSize(), size);
            int first = Math.min(n, ring.length - start);
            MemorySegment.copy(ring, start, buffer, ValueLayout.JAVA_BYTE, 0, first);
            MemorySegment.copy(ring, 0, buffer, ValueLayout.JAVA_BYTE, first, n - first);
            start = (start + n) % ring.length;
            size -= n;
            changed.signalAll();
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes all of {@code data}, waiting for room as needed (a small write waits until it fits
     * whole, so it is atomic). Returns what was written before an interruption or a
     * non-blocking stop; EPIPE when no reader is left, EAGAIN when nothing could be written.
     */
    long write(MemorySegment data, boolean nonBlocking) {
        long total = data.byteSize();
        long done = 0;
        lock.lock();
        try {
            while (done < total) {
                if (readers == 0) {
                    if (done > 0) {
                        return done;
                    }
                    throw new ErrnoException(Errno.EPIPE);
                }
                long left = total - done;
                int room = ring.length - size;
                boolean fits = left <= PIPE_BUF ? room >= left : room > 0;
                if (!fits) {
                    if (nonBlocking || Thread.currentThread().isInterrupted()) {
                        if (done > 0) {
                            return done;
                        }
                        throw new ErrnoException(nonBlocking ? Errno.EAGAIN : Errno.EINTR);
                    }
                    try {
                        await();
                    } catch (ErrnoException interrupted) {
                        if (done > 0) {
                            return done;
                        }
                        throw interrupted;
                    }
                    continue;
                }
                int n = (int) Math.min(left, room);
                int end = (start + size) % ring.length;
                int first = Math.min(n, ring.length - end);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, done, ring, end, first);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, done + first, ring, 0, n - first);
                size += n;
                done += n;
                changed.signalAll();
            }
            return done;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes waiting to be read (FIONREAD). */
    int available() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** poll events of the read end: readable with data or at end of file (then also POLLHUP). */
    int readEndReadiness(int events) {
        lock.lock();
        try {
            int ready = size > 0 || writers == 0 ? events & (Poll.POLLIN | Poll.POLLRDNORM) : 0;
            return writers == 0 ? ready | Poll.POLLHUP : ready;
        } finally {
            lock.unlock();
        }
    }

    /** poll events of the write end: writable with room for an atomic write, POLLERR without readers. */
    int writeEndReadiness(int events) {
        lock.lock();
        try {
            if (readers == 0) {
                return Poll.POLLERR | (events & (Poll.POLLOUT | Poll.POLLWRNORM));
            }
            return ring.length - size >= Math.min(PIPE_BUF, ring.length) ? events & (Poll.POLLOUT | Poll.POLLWRNORM) : 0;
        } finally {
            lock.unlock();
        }
    }

    void closeReadEnd() {
        lock.lock();
        try {
            readers--;
            changed.signalAll();
            freeIfClosed();
        } finally {
            lock.unlock();
        }
    }

    void closeWriteEnd() {
        lock.lock();
        try {
            writers--;
            changed.signalAll();
            freeIfClosed();
        } finally {
            lock.unlock();
        }
    }

    /** Both ends closed: the buffer's share of the budget goes back. */
    private void freeIfClosed() {
        if (readers == 0 && writers == 0) {
            budget.giveBack(ring.length);
        }
    }

    /** Waits for a change; the lock is held. A bounded wait, so a lost wake-up cannot hang a run. */
    private void await() {
        try {
            changed.await(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the run loop sees why (a time limit, a kill)
            throw new ErrnoException(Errno.EINTR);
        }
    }
}
