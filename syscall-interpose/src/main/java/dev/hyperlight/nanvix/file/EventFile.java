package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An eventfd ({@code eventfd2}): a 64-bit unsigned counter, as Linux's. A read of at least 8
 * bytes takes the whole count (with {@code EFD_SEMAPHORE}, one), waiting while it is 0; a write
 * of at least 8 bytes adds its value, waiting while the sum would pass {@link #MAX}; the value
 * {@code 0xffffffffffffffff} is EINVAL, as is a buffer of fewer than 8 bytes. With O_NONBLOCK a
 * wait is EAGAIN instead. poll reports POLLIN while the count is above 0 and POLLOUT while one
 * more can be added. Waits end with EINTR when the host thread is interrupted, as a pipe's do.
 */
public final class EventFile extends OpenFile {

    /** Linux's {@code EFD_SEMAPHORE}. */
    public static final int EFD_SEMAPHORE = 1;
    /** The largest count: {@code 0xfffffffffffffffe}, compared unsigned. */
    static final long MAX = -2L;
    private static final int SIZE = 8;
    private static final long ANONYMOUS_DEVICE = 2;

    private final boolean semaphore;
    private final Stat stat;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long count;

    /**
     * @param initial the first count ({@code unsigned int} in Linux's call)
     * @param statusFlags O_NONBLOCK or 0
     */
    public EventFile(long initial, int statusFlags, boolean semaphore, long inode) {
        super(Fcntl.O_RDWR, statusFlags);
        this.count = initial;
        this.semaphore = semaphore;
        Instant now = Instant.now();
        // An anonymous inode: no file type bits, owner read-write, as Linux's fstat shows it.
        this.stat = new Stat(ANONYMOUS_DEVICE, inode, 1, 0600, GuestNamespace.GUEST_OWNER, GuestNamespace.GUEST_OWNER,
                0, 0, GuestNamespace.BLOCK_SIZE, 0, now, now, now);
    }

    private boolean nonBlocking() {
        return (flags() & Fcntl.O_NONBLOCK) != 0;
    }

    @Override
    public long read(MemorySegment buffer) {
        if (buffer.byteSize() < SIZE) {
            throw new ErrnoException(Errno.EINVAL);
        }
        lock.lock();
        try {
            while (count == 0) {
                await();
            }
            long taken = semaphore ? 1 : count;
            count -= taken;
            changed.signalAll();
            buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, taken);
            return SIZE;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long write(MemorySegment data) {
        if (data.byteSize() < SIZE) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long value = data.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (value == -1L) {
            throw new ErrnoException(Errno.EINVAL);
        }
        lock.lock();
        try {
            while (Long.compareUnsigned(count, MAX - value) > 0) {
                await();
            }
            count += value;
            changed.signalAll();
            return SIZE;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int readiness(int events) {
        lock.lock();
        try {
            int ready = 0;
            if (count != 0) {
                ready |= Poll.POLLIN | Poll.POLLRDNORM;
            }
            if (Long.compareUnsigned(count, MAX) < 0) {
                ready |= Poll.POLLOUT | Poll.POLLWRNORM;
            }
            return ready & events;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a change of the count, holding the lock; EAGAIN instead with O_NONBLOCK. */
    private void await() {
        if (nonBlocking()) {
            throw new ErrnoException(Errno.EAGAIN);
        }
        try {
            changed.await(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the run loop sees why (a time limit, a kill)
            throw new ErrnoException(Errno.EINTR);
        }
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public void release() {
        // The counter is plain memory.
    }
}
