package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import java.lang.foreign.MemorySegment;
import java.time.Instant;

/**
 * One end of a pipe ({@code pipe2}), or one side of a {@code socketpair}: the read side of one
 * {@link PipeBuffer} and/or the write side of another. Released when the last fd naming it closes
 * in any process, which is what lets the other side see end of file or EPIPE.
 */
public final class PipeEnd extends OpenFile {

    private static final long PIPE_DEVICE = 2;

    private final PipeBuffer in;
    private final PipeBuffer out;
    private final Stat stat;
    /** shutdown(2) of a socket pair's end: its reading or writing ended before its last close. */
    private boolean readShut;
    private boolean writeShut;

    /**
     * @param in the buffer this end reads from, or null
     * @param out the buffer this end writes to, or null
     */
    private PipeEnd(int accessMode, int statusFlags, PipeBuffer in, PipeBuffer out, FileType type, long inode) {
        super(accessMode, statusFlags);
        this.in = in;
        this.out = out;
        Instant now = Instant.now();
        this.stat = new Stat(PIPE_DEVICE, inode, 1, type.modeBits() | 0600, GuestNamespace.GUEST_OWNER,
                GuestNamespace.GUEST_OWNER, 0, 0, PipeBuffer.PIPE_BUF, 0, now, now, now);
    }

    /** A pipe's two ends: [read end, write end]. */
    public static PipeEnd[] pipe(int statusFlags, long inode, PipeBuffer.Budget budget) {
        PipeBuffer buffer = new PipeBuffer(budget);
        return new PipeEnd[] {
            new PipeEnd(Fcntl.O_RDONLY, statusFlags, buffer, null, FileType.FIFO, inode),
            new PipeEnd(Fcntl.O_WRONLY, statusFlags, null, buffer, FileType.FIFO, inode),
        };
    }

    /** A connected pair of stream sockets: two pipes, crossed. */
    public static PipeEnd[] socketPair(int statusFlags, long inode, PipeBuffer.Budget budget) {
        PipeBuffer aToB = new PipeBuffer(budget);
        PipeBuffer bToA = new PipeBuffer(budget);
        return new PipeEnd[] {
            new PipeEnd(Fcntl.O_RDWR, statusFlags, bToA, aToB, FileType.SOCKET, inode),
            new PipeEnd(Fcntl.O_RDWR, statusFlags, aToB, bToA, FileType.SOCKET, inode + 1),
        };
    }

    private boolean nonBlocking() {
        return (flags() & Fcntl.O_NONBLOCK) != 0;
    }

    @Override
    public long read(MemorySegment buffer) {
        if (in == null) {
            return super.read(buffer);
        }
        return receive(buffer, false);
    }

    @Override
    public long write(MemorySegment data) {
        if (out == null) {
            return super.write(data);
        }
        return send(data, false);
    }

    /** send/sendto on a socket pair's end: as write, MSG_DONTWAIT making this one call non-blocking. */
    public long send(MemorySegment data, boolean dontWait) {
        if (writeShut()) {
            throw new ErrnoException(Errno.EPIPE);
        }
        return out.write(data, dontWait || nonBlocking());
    }

    /** recv/recvfrom on a socket pair's end: as read, MSG_DONTWAIT making this one call non-blocking. */
    public long receive(MemorySegment buffer, boolean dontWait) {
        if (readShut()) {
            return 0;
        }
        return in.read(buffer, dontWait || nonBlocking());
    }

    private synchronized boolean readShut() {
        return readShut;
    }

    private synchronized boolean writeShut() {
        return writeShut;
    }

    /**
     * shutdown(2) of a socket pair's end ({@code SHUT_RD} 0, {@code SHUT_WR} 1, {@code SHUT_RDWR}
     * 2), for every fd and process that shares it, as Linux: after SHUT_WR the peer reads end of
     * file and this end's writes fail with EPIPE; after SHUT_RD this end reads end of file and
     * the peer's writes fail with EPIPE. EINVAL for another {@code how}.
     */
    public synchronized void shutdown(int how) {
        if (how < 0 || how > 2) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (how != 1 && !readShut) {
            readShut = true;
            in.closeReadEnd();
        }
        if (how != 0 && !writeShut) {
            writeShut = true;
            out.closeWriteEnd();
        }
    }

    /** FIONREAD: the bytes waiting to be read (0 on a write end). */
    public int available() {
        return in == null ? 0 : in.available();
    }

    @Override
    public int readiness(int events) {
        int ready = 0;
        if (in != null) {
            ready |= in.readEndReadiness(events);
        }
        if (out != null) {
            ready |= out.writeEndReadiness(events);
        }
        return ready;
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public synchronized void release() {
        if (in != null && !readShut) {
            in.closeReadEnd();
        }
        if (out != null && !writeShut) {
            out.closeWriteEnd();
        }
    }
}
