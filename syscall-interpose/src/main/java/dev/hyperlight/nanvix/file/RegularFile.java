package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.FollowedPath;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import dev.hyperlight.nanvix.vfs.GuestNamespace.MountPoint;
import dev.hyperlight.nanvix.vfs.HostErrors;
import dev.hyperlight.nanvix.vfs.WriteQuota;
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
public final class RegularFile extends OpenFile {

    private final FileChannel channel;
    private final MountPoint mount;
    private final Stat opened;
    /** Shared by every description of the file: the quota's count of it, and the lock for size changes. */
    private final WriteQuota.OpenInode inode;
    private final FollowedPath hostPath;
    private long position;

    /** Takes over {@code channel} and {@code inode}: {@link #release} closes both. */
    public RegularFile(FileChannel channel, MountPoint mount, WriteQuota.OpenInode inode, Path hostPath, int accessMode,
            int statusFlags) {
        super(accessMode, statusFlags);
        this.inode = inode;
        this.channel = channel;
        this.mount = mount;
        this.hostPath = new FollowedPath(hostPath);
        this.opened = GuestNamespace.hostStat(mount, hostPath);
    }

    @Override
    public synchronized long read(MemorySegment buffer) {
        long n = readAt(buffer, position);
        position += n;
        return n;
    }

    @Override
    public synchronized long write(MemorySegment data) {
        long at = appends() ? size() : position;
        long n = writeAt(data, at);
        position = at + n;
        return n;
    }

    /** FIONREAD: the bytes from the file offset to the end, as Linux answers for a regular file. */
    public synchronized long available() {
        return Math.max(0, size() - position);
    }

    @Override
    public long readAt(MemorySegment buffer, long offset) {
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

    /**
     * Like Linux, a file opened with O_APPEND takes every write at its end, pwrite64 included. A
     * write the quota has no room for is short, or ENOSPC; one of no bytes changes nothing.
     */
    @Override
    public synchronized long writeAt(MemorySegment data, long offset) {
        if (!writable()) {
            throw new ErrnoException(Errno.EBADF);
        }
        synchronized (inode) {
            long at = appends() ? size() : offset;
            checkRange(at, data.byteSize());
            if (data.byteSize() == 0) {
                return 0;
            }
            long count = inode.reserve(at, at + data.byteSize()) - at;
            ByteBuffer from = data.asSlice(0, count).asByteBuffer();
            try {
                return onChannel(() -> {
                    while (from.hasRemaining()) {
                        channel.write(from, at + from.position());
                    }
                    return (long) from.position();
                });
            } finally {
                settle();
            }
        }
    }

    /** Linux's rw_verify_area: a transfer must not run past the largest file offset. */
    private static void checkRange(long offset, long count) {
        if (offset < 0 || count > Long.MAX_VALUE - offset) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    @Override
    public synchronized long seek(long offset, int whence) {
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
    public Optional<MountPoint> mount() {
        return Optional.of(mount);
    }

    @Override
    public Stat stat() {
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

    /** ftruncate: shrink, or grow with zeros (all of it or ENOSPC). */
    @Override
    public synchronized void truncate(long length) {
        if (!writable()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        resize(length);
    }

    /** O_TRUNC, whatever the access mode: empties the file just opened. */
    public synchronized void emptyAtOpen() {
        resize(0);
    }

    /** FileChannel.truncate only shrinks: growing writes a last zero byte. */
    private void resize(long length) {
        synchronized (inode) {
            try {
                onChannel(() -> {
                    long size = channel.size();
                    if (length < size) {
                        channel.truncate(length);
                    } else if (length > size) {
                        inode.grow(length);
                        channel.write(ByteBuffer.allocate(1), length - 1);
                    }
                    return null;
                });
            } finally {
                settle();
            }
        }
    }

    /**
     * After a change of size (held under the inode's lock), the quota charges what the file now
     * is, whatever part of the change failed. A channel already closed keeps its reservation.
     */
    private void settle() {
        try {
            onChannel(() -> {
                inode.settle(channel.size());
                return null;
            });
        } catch (ErrnoException e) {
            // Closed by an interrupt: the run is ending, and the description with it.
        }
    }

    @Override
    public void sync() {
        onChannel(() -> {
            channel.force(true);
            return null;
        });
    }

    @Override
    public void moved(Path from, Path to, String guestFrom, String guestTo) {
        hostPath.moved(from, to);
    }

    @Override
    public void unlinked(Path path) {
        hostPath.unlinked(path);
    }

    /** The file's host path, null once the guest removed its name. */
    public Path hostPath() {
        return hostPath.get();
    }

    /**
     * fchmod, futimens: the host path whose attributes to change, null once the guest removed the
     * file's name (there is nothing left that another name would show).
     *
     * @throws ErrnoException EROFS in a read-only mount
     */
    public Path writableHostPath() {
        if (mount.readOnly()) {
            throw new ErrnoException(Errno.EROFS);
        }
        return hostPath.get();
    }

    /** The channel first: the quota gives a removed file's bytes back once the host no longer holds them. */
    @Override
    public void release() {
        try {
            channel.close();
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        } finally {
            inode.close();
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
