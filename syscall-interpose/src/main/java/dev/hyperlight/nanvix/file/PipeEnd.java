package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One end of a pipe ({@code pipe2}), one side of a {@code socketpair}, or one side of a
 * pseudo-terminal ({@link #pty}): the read side of one {@link PipeBuffer} and/or the write side
 * of another. Released when the last fd naming it closes in any process, which is what lets the
 * other side see end of file or EPIPE.
 */
public final class PipeEnd extends OpenFile {

    private static final long PIPE_DEVICE = 2;

    /** Linux's numbers of {@code /dev/ptmx} and of the {@code /dev/pts} terminals' major. */
    private static final int PTMX_MAJOR = 5;
    private static final int PTMX_MINOR = 2;
    private static final int PTS_MAJOR = 136;
    /** Not a pseudo-terminal's end. */
    private static final int NO_PTY = -1;

    private final PipeBuffer in;
    private final PipeBuffer out;
    private final Stat stat;
    /** The pseudo-terminal's number on both its ends, else {@link #NO_PTY}. */
    private final int ptyNumber;
    /** On a pseudo-terminal's master: its terminal end, which TIOCGPTPEER hands out; else null. */
    private final PipeEnd terminal;
    /** On a pseudo-terminal's master: whether the terminal is still locked (TIOCSPTLCK). */
    private volatile boolean locked;
    /** shutdown(2) of a socket pair's end: its reading or writing ended before its last close. */
    private boolean readShut;
    private boolean writeShut;

    /**
     * @param in the buffer this end reads from, or null
     * @param out the buffer this end writes to, or null
     */
    private PipeEnd(int accessMode, int statusFlags, PipeBuffer in, PipeBuffer out, FileType type, long inode) {
        this(accessMode, statusFlags, in, out, type, inode, 0, NO_PTY, null);
    }

    private PipeEnd(int accessMode, int statusFlags, PipeBuffer in, PipeBuffer out, FileType type, long inode,
            long rdev, int ptyNumber, PipeEnd terminal) {
        super(accessMode, statusFlags);
        this.in = in;
        this.out = out;
        this.ptyNumber = ptyNumber;
        this.terminal = terminal;
        this.locked = terminal != null;
        Instant now = Instant.now();
        this.stat = new Stat(PIPE_DEVICE, inode, 1, type.modeBits() | 0600, GuestNamespace.GUEST_OWNER,
                GuestNamespace.GUEST_OWNER, rdev, 0, PipeBuffer.PIPE_BUF, 0, now, now, now);
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

    /**
     * A pseudo-terminal, as {@code open("/dev/ptmx")} makes one: its master, opened with
     * {@code accessMode} and {@code statusFlags}, and its terminal end (Linux's {@code
     * /dev/pts/N}), read-write and locked until the master unlocks it. Bytes pass raw both ways,
     * as with a socket pair: there is no line discipline (no echo, no line editing, no signals),
     * which is what the terminal's settings ({@link #terminalSettings}) say.
     */
    public static PipeEnd pty(int accessMode, int statusFlags, long inode, int number, PipeBuffer.Budget budget) {
        PipeBuffer toTerminal = new PipeBuffer(budget);
        PipeBuffer toMaster = new PipeBuffer(budget);
        PipeEnd terminal = new PipeEnd(Fcntl.O_RDWR, 0, toTerminal, toMaster, FileType.CHARACTER_DEVICE, inode + 1,
                deviceNumber(PTS_MAJOR, number), number, null);
        return new PipeEnd(accessMode, statusFlags, toMaster, toTerminal, FileType.CHARACTER_DEVICE, inode,
                deviceNumber(PTMX_MAJOR, PTMX_MINOR), number, terminal);
    }

    /**
     * What TCGETS answers on either end of a pseudo-terminal: the 36-byte kernel {@code struct
     * termios} of a Linux pty's terminal after {@code cfmakeraw} (no ICANON, ECHO, ISIG, OPOST,
     * ICRNL; CS8; VMIN 1, VTIME 0), the mode in which bytes pass unchanged, as they do here.
     */
    private static final byte[] TERMINAL_SETTINGS = HexFormat.of().parseHex(
            "0000000004000000bf000000300a000000031c7f150400010011131a00120f1716000000");

    /** {@link #TERMINAL_SETTINGS}, a copy. */
    public static byte[] terminalSettings() {
        return TERMINAL_SETTINGS.clone();
    }

    /** Whether this is either end of a pseudo-terminal. */
    public boolean isTerminal() {
        return ptyNumber != NO_PTY;
    }

    /** Whether this is a pseudo-terminal's master, the end {@code /dev/ptmx} opened. */
    public boolean isPtyMaster() {
        return terminal != null;
    }

    /** TIOCGPTN: the pseudo-terminal's number (N of Linux's {@code /dev/pts/N}). */
    public int ptyNumber() {
        return ptyNumber;
    }

    /** TIOCSPTLCK on the master. */
    public void lockTerminal(boolean lock) {
        locked = lock;
    }

    /** TIOCGPTPEER on the master: the terminal end; EIO while it is locked, as Linux answers. */
    public PipeEnd unlockedTerminal() {
        if (locked) {
            throw new ErrnoException(Errno.EIO, "pseudo-terminal locked");
        }
        return terminal;
    }

    /** glibc's {@code makedev}. */
    private static long deviceNumber(int major, int minor) {
        return (major & 0xfffL) << 8 | (major & ~0xfffL) << 32 | (minor & 0xffL) | (minor & ~0xffL) << 12;
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
