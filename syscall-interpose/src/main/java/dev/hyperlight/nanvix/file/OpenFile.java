package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open file description: what one or more guest fds (after dup, and in every process after a
 * fork) share, with its access mode, status flags and offset. Each kind answers the calls it does
 * not support with the errno Linux gives for that kind of file.
 */
public abstract sealed class OpenFile permits ConsoleInput, ConsoleOutput, RegularFile, DirectoryFile, PipeEnd, PathFile,
        UnixSocket, DeviceFile, EventFile, EpollFile {

    /** The flags F_SETFL may change (others are ignored, as in Linux). */
    static final int SETTABLE_FLAGS = Fcntl.O_APPEND | Fcntl.O_NONBLOCK;

    private final int accessMode;
    private volatile int statusFlags;
    /** fds naming this description, in every process's fd table: released when none is left. */
    private final AtomicInteger references = new AtomicInteger();

    /**
     * @param accessMode {@code O_RDONLY}, {@code O_WRONLY} or {@code O_RDWR}
     * @param statusFlags the open flags F_GETFL reports besides the access mode
     */
    OpenFile(int accessMode, int statusFlags) {
        this.accessMode = accessMode;
        this.statusFlags = statusFlags;
    }

    final int accessMode() {
        return accessMode;
    }

    /** What F_GETFL returns: access mode and status flags. */
    public final int flags() {
        return accessMode | statusFlags;
    }

    /** F_SETFL: only O_APPEND and O_NONBLOCK change. */
    public final void setFlags(int flags) {
        statusFlags = (statusFlags & ~SETTABLE_FLAGS) | (flags & SETTABLE_FLAGS);
    }

    final boolean appends() {
        return (statusFlags & Fcntl.O_APPEND) != 0;
    }

    final boolean readable() {
        return accessMode == Fcntl.O_RDONLY || accessMode == Fcntl.O_RDWR;
    }

    final boolean writable() {
        return accessMode == Fcntl.O_WRONLY || accessMode == Fcntl.O_RDWR;
    }

    /** Reads at the file offset into {@code buffer}; returns the bytes read, 0 at end of file. */
    public long read(MemorySegment buffer) {
        throw new ErrnoException(Errno.EBADF);
    }

    /** Writes {@code data} at the file offset (at the end with O_APPEND); returns the bytes written. */
    public long write(MemorySegment data) {
        throw new ErrnoException(Errno.EBADF);
    }

    /** pread64: reads at {@code offset} without moving the file offset. */
    public long readAt(MemorySegment buffer, long offset) {
        throw new ErrnoException(Errno.ESPIPE);
    }

    /** pwrite64: writes at {@code offset} without moving the file offset. */
    public long writeAt(MemorySegment data, long offset) {
        throw new ErrnoException(Errno.ESPIPE);
    }

    public long seek(long offset, int whence) {
        throw new ErrnoException(Errno.ESPIPE);
    }

    public abstract Stat stat();

    public void truncate(long length) {
        throw new ErrnoException(Errno.EINVAL);
    }

    public void sync() {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** getdents64 into {@code buffer}; returns the bytes filled, 0 at the end of the directory. */
    public int readDirectory(MemorySegment buffer) {
        throw new ErrnoException(Errno.ENOTDIR);
    }

    /** The mount this file lies in: none for pipes, sockets, the console and virtual directories. */
    public Optional<GuestNamespace.MountPoint> mount() {
        return Optional.empty();
    }

    /** The guest renamed {@code from} (a host path) to {@code to}: follow if this file is at or below it. */
    public void moved(Path from, Path to, String guestFrom, String guestTo) {
    }

    /** The guest removed the name at host path {@code path}: stop using it if it is this file's. */
    public void unlinked(Path path) {
    }

    /** One more fd names this description. */
    final void retain() {
        references.incrementAndGet();
    }

    /** Whether the last fd naming this description has closed (an epoll entry then goes). */
    final boolean released() {
        return references.get() == 0;
    }

    /** One fd naming this description closed: the last one releases it. */
    final void drop() {
        if (references.decrementAndGet() == 0) {
            release();
        }
    }

    /**
     * How ready the file is for {@code poll} events {@code events} ({@code POLLIN}, {@code
     * POLLOUT}...): files, directories and the console are always ready, as Linux reports them.
     */
    public int readiness(int events) {
        return events & (Poll.POLLIN | Poll.POLLOUT | Poll.POLLRDNORM | Poll.POLLWRNORM);
    }

    /** Releases the host resources; called once, when the last fd referring to this file closes. */
    public abstract void release();
}
