package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.io.GuestNamespace.MountPoint;
import dev.hyperlight.nanvix.syscall.Errno;
import dev.hyperlight.nanvix.syscall.ErrnoException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A regular host file in a mount. The offset is kept here, not in the channel, so that dup'ed fds
 * share it and O_APPEND can be switched by F_SETFL; all transfers are positional.
 *
 * <p>A FileChannel closes itself when its thread is interrupted. The host stops a run by
 * interrupting the vCPU thread, and nanosleep leaves that interrupt set; so each channel
 * operation runs with the pending interrupt put aside and restored afterwards. Only an interrupt
 * arriving during a transfer still closes the file (the guest then sees EBADF), and then the run
 * is ending anyway.
 */
final class RegularFile extends OpenFile {

    private final FileChannel channel;
    private final MountPoint mount;
    private final Stat opened;
    private final WriteQuota quota;
    private final FollowedPath hostPath;
    private long position;

    RegularFile(FileChannel channel, MountPoint mount, WriteQuota quota, Path hostPath, int accessMode,
            int statusFlags) {
        super(accessMode, statusFlags);
        this.quota = quota;
        this.channel = channel;
        this.mount = mount;
        this.hostPath = new FollowedPath(hostPath);
        this.opened = GuestNamespace.hostStat(mount, hostPath);
    }

    @Override
    synchronized long read(MemorySegment buffer) {
        long n = readAt(buffer, position);
        position += n;
        return n;
    }

    @Override
    synchronized long write(MemorySegment data) {
        long at = appends() ? size() : position;
        long n = writeAt(data, at);
        position = at + n;
        return n;
    }

    @Override
    long readAt(MemorySegment buffer, long offset) {
        if (!readable()) {
            throw new ErrnoException(Errno.EBADF);
        }
        checkRange(offset, buffer.byteSize());
        ByteBuffer into = buffer.asByteBuffer();
        return onChannel(() -> {
            int n = 0;
            while (into.hasRemaining() && n >= 0) {
                n = channel.read(into, offset + into.position());
            }
            return (long) into.position();
        });
    }

    /** Like Linux, a file opened with O_APPEND takes every write at its end, pwrite64 included. */
    @Override
    synchronized long writeAt(MemorySegment data, long offset) {
        if (!writable()) {
            throw new ErrnoException(Errno.EBADF);
        }
        long size = size();
        long at = appends() ? size : offset;
        checkRange(at, data.byteSize());
        long count = data.byteSize();
        long growth = at + count - size;
        if (growth > 0) {
            long granted = quota.charge(growth);
            count -= growth - granted;
            if (count <= 0) {
                quota.release(granted);
                throw new ErrnoException(Errno.ENOSPC);
            }
        }
        ByteBuffer from = data.asSlice(0, count).asByteBuffer();
        return onChannel(() -> {
            while (from.hasRemaining()) {
                channel.write(from, at + from.position());
            }
            return (long) from.position();
        });
    }

    /** Linux's rw_verify_area: a transfer must not run past the largest file offset. */
    private static void checkRange(long offset, long count) {
        if (offset < 0 || count > Long.MAX_VALUE - offset) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    @Override
    synchronized long seek(long offset, int whence) {
        long size = size();
        long target = switch (whence) {
            case Fcntl.SEEK_SET -> offset;
            case Fcntl.SEEK_CUR -> addOrInvalid(position, offset);
            case Fcntl.SEEK_END -> addOrInvalid(size, offset);
            // The whole file counts as data: there are no holes to report.
            case Fcntl.SEEK_DATA -> dataOrHole(offset, size, offset);
            case Fcntl.SEEK_HOLE -> dataOrHole(offset, size, size);
            default -> throw new ErrnoException(Errno.EINVAL);
        };
        if (target < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        position = target;
        return target;
    }

    private static long dataOrHole(long offset, long size, long answer) {
        if (offset < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (offset >= size) {
            throw new ErrnoException(Errno.ENXIO);
        }
        return answer;
    }

    private static long addOrInvalid(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /**
     * The host's stat while the file still has its name; once it lost it (removed, or replaced by
     * another file), what it had at open with no links and its current size.
     */
    @Override
    Optional<MountPoint> mount() {
        return Optional.of(mount);
    }

    @Override
    Stat stat() {
        Path path = hostPath.get();
        if (path != null) {
            try {
                Stat now = GuestNamespace.hostStat(mount, path);
                if (now.inode() == opened.inode()) {
                    return now;
                }
            } catch (ErrnoException e) {
                // fall through to the detached answer
            }
        }
        long size = size();
        return new Stat(opened.device(), opened.inode(), 0, opened.mode(), opened.uid(), opened.gid(),
                opened.rdev(), size, opened.blockSize(), Stat.blocksFor(size), opened.accessed(), opened.modified(),
                opened.changed());
    }

    /** ftruncate: shrink, or grow with zeros (FileChannel.truncate only shrinks). */
    @Override
    synchronized void truncate(long length) {
        if (!writable()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        onChannel(() -> {
            long size = channel.size();
            if (length < size) {
                channel.truncate(length);
                quota.release(size - length);
            } else if (length > size) {
                quota.chargeAll(length - size);
                channel.write(ByteBuffer.allocate(1), length - 1);
            }
            return null;
        });
    }

    @Override
    void sync() {
        onChannel(() -> {
            channel.force(true);
            return null;
        });
    }

    @Override
    void moved(Path from, Path to, String guestFrom, String guestTo) {
        hostPath.moved(from, to);
    }

    @Override
    void unlinked(Path path) {
        hostPath.unlinked(path);
    }

    /**
     * fchmod, futimens: the host path whose attributes to change, null once the guest removed the
     * file's name (there is nothing left that another name would show).
     *
     * @throws ErrnoException EROFS in a read-only mount
     */
    Path writableHostPath() {
        if (mount.readOnly()) {
            throw new ErrnoException(Errno.EROFS);
        }
        return hostPath.get();
    }

    /** Whether this file is the one at host path {@code path}. */
    boolean isAt(Path path) {
        return path.equals(hostPath.get());
    }

    @Override
    void release() {
        try {
            channel.close();
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    private long size() {
        return onChannel(channel::size);
    }

    private interface ChannelOperation<T> {
        T run() throws IOException;
    }

    /** Runs {@code operation} with the thread's pending interrupt put aside; host errors become errno. */
    private static <T> T onChannel(ChannelOperation<T> operation) {
        boolean interrupted = Thread.interrupted();
        try {
            return operation.run();
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
