package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.file.EpollFile;
import dev.hyperlight.nanvix.file.EventFile;
import dev.hyperlight.nanvix.file.OpenFile;
import dev.hyperlight.nanvix.file.PipeEnd;
import dev.hyperlight.nanvix.file.RegularFile;
import dev.hyperlight.nanvix.file.UnixSocket;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Calls on the open file descriptions of one process ({@link HostIo#descriptors()}): reading
 * and writing, seeking, dup, fcntl, ioctl, fstat, getdents64 and poll readiness.
 */
public final class DescriptorCalls {

    private final HostIo io;

    DescriptorCalls(HostIo io) {
        this.io = io;
    }

    public long read(int fd, MemorySegment buffer) {
        return io.fds.get(fd).read(buffer);
    }

    /**
     * Whether a write to {@code fd} can fail with EPIPE (a pipe or a socket), after which the
     * guest kernel raises SIGPIPE; false for an fd that is not open.
     */
    public boolean writeCanBreakPipe(long fd) {
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            return false;
        }
        try {
            OpenFile file = io.fds.get((int) fd);
            return file instanceof PipeEnd || file instanceof UnixSocket;
        } catch (ErrnoException notOpen) {
            return false;
        }
    }

    /**
     * Whether a read of {@code fd} would wait now: a blocking file (no O_NONBLOCK) open for reading
     * that poll reports not readable (a pipe or socket with no data and a writer left); false for an
     * fd that is not open or not readable, which the read itself reports.
     */
    public boolean readWouldWait(long fd) {
        if (fd < 0 || fd > Integer.MAX_VALUE) {
            return false;
        }
        try {
            OpenFile file = io.fds.get((int) fd);
            int flags = file.flags();
            return (flags & Fcntl.O_ACCMODE) != Fcntl.O_WRONLY && (flags & Fcntl.O_NONBLOCK) == 0
                    && file.readiness(Poll.POLLIN) == 0;
        } catch (ErrnoException notOpen) {
            return false;
        }
    }

    public long write(int fd, MemorySegment data) {
        return io.fds.get(fd).write(data);
    }

    public long pread(int fd, MemorySegment buffer, long offset) {
        OpenFile file = io.fds.get(fd);
        if (offset < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return file.readAt(buffer, offset);
    }

    public long pwrite(int fd, MemorySegment data, long offset) {
        OpenFile file = io.fds.get(fd);
        if (offset < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return file.writeAt(data, offset);
    }

    public long lseek(int fd, long offset, int whence) {
        return io.fds.get(fd).seek(offset, whence);
    }

    public void ftruncate(int fd, long length) {
        OpenFile file = io.fds.get(fd);
        if (length < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        file.truncate(length);
    }

    public void fsync(int fd) {
        io.fds.get(fd).sync();
    }

    public void close(int fd) {
        io.fds.close(fd);
    }

    public int dup(int fd) {
        return io.fds.add(io.fds.get(fd), false, 0);
    }

    public int dup3(int oldFd, int newFd, int flags) {
        if ((flags & ~Fcntl.O_CLOEXEC) != 0 || oldFd == newFd) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (newFd < 0 || newFd >= io.fds.limit()) {
            throw new ErrnoException(Errno.EBADF);
        }
        io.fds.install(newFd, io.fds.get(oldFd), (flags & Fcntl.O_CLOEXEC) != 0);
        return newFd;
    }

    public long fcntl(int fd, int command, long argument) {
        OpenFile file = io.fds.get(fd);
        return switch (command) {
            case Fcntl.F_DUPFD, Fcntl.F_DUPFD_CLOEXEC -> {
                int lowest = (int) argument;
                if (lowest < 0 || lowest >= io.fds.limit()) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                yield io.fds.add(file, command == Fcntl.F_DUPFD_CLOEXEC, lowest);
            }
            case Fcntl.F_GETFD -> io.fds.closeOnExec(fd) ? Fcntl.FD_CLOEXEC : 0;
            case Fcntl.F_SETFD -> {
                io.fds.setCloseOnExec(fd, (argument & Fcntl.FD_CLOEXEC) != 0);
                yield 0;
            }
            case Fcntl.F_GETFL -> file.flags();
            case Fcntl.F_SETFL -> {
                file.setFlags((int) argument);
                yield 0;
            }
            default -> throw new ErrnoException(Errno.EINVAL, "fcntl command " + command);
        };
    }

    /** eventfd2's flags besides {@link EventFile#EFD_SEMAPHORE}: Linux's {@code EFD_CLOEXEC}, {@code EFD_NONBLOCK}. */
    private static final int EVENTFD_FLAGS = EventFile.EFD_SEMAPHORE | Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK;

    /** eventfd2: a new counter starting at {@code initial} ({@code unsigned int}); returns its fd. */
    public int eventfd(long initial, int flags) {
        if ((flags & ~EVENTFD_FLAGS) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        io.fds.requireFree();
        EventFile counter = new EventFile(initial & 0xffff_ffffL, flags & Fcntl.O_NONBLOCK,
                (flags & EventFile.EFD_SEMAPHORE) != 0, io.pipeInodes.getAndIncrement());
        return io.fds.add(counter, (flags & Fcntl.O_CLOEXEC) != 0, 0);
    }

    /** epoll_create1: a new, empty epoll instance; returns its fd. EINVAL for flags besides EPOLL_CLOEXEC. */
    public int epollCreate(int flags) {
        if ((flags & ~Fcntl.O_CLOEXEC) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        io.fds.requireFree();
        return io.fds.add(new EpollFile(io.pipeInodes.getAndIncrement()), flags != 0, 0);
    }

    /** epoll_ctl: changes the entry of {@code fd} in the epoll instance {@code epfd} (EINVAL if it is none). */
    public void epollControl(int epfd, int op, int fd, int events, long data) {
        EpollFile epoll = epoll(epfd);
        epoll.control(op, fd, io.fds.get(fd), events, data);
    }

    /**
     * epoll_wait's look at instance {@code epfd}: writes its ready entries into {@code events}
     * (room for {@code events.byteSize() / EVENT_SIZE} of them) and returns how many.
     */
    public int epollReady(int epfd, MemorySegment events) {
        return epoll(epfd).collect(events);
    }

    /** The entries of instance {@code epfd}: the most one epoll_wait can report. */
    public int epollEntries(int epfd) {
        return epoll(epfd).size();
    }

    /** The epoll instance {@code epfd}: EBADF if the fd is not open, EINVAL if it is another file. */
    private EpollFile epoll(int epfd) {
        if (!(io.fds.get(epfd) instanceof EpollFile epoll)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return epoll;
    }

    /** ioctl FIONBIO, which every file supports: sets or clears O_NONBLOCK, as F_SETFL would. */
    public void setNonBlocking(int fd, boolean nonBlocking) {
        OpenFile file = io.fds.get(fd);
        file.setFlags(nonBlocking ? file.flags() | Fcntl.O_NONBLOCK : file.flags() & ~Fcntl.O_NONBLOCK);
    }

    /**
     * ioctl FIONREAD: the bytes a read would find now in a pipe or socket pair's end, or from the
     * offset to the end of a regular file (capped at {@code INT_MAX}); ENOTTY for other files, as
     * Linux answers for files without the request.
     */
    public int bytesToRead(int fd) {
        return switch (io.fds.get(fd)) {
            case PipeEnd end -> end.available();
            case RegularFile file -> (int) Math.min(Integer.MAX_VALUE, file.available());
            default -> throw new ErrnoException(Errno.ENOTTY);
        };
    }

    /** A pseudo-terminal's end (its master when {@code master}); ENOTTY for any other file. */
    private PipeEnd terminal(int fd, boolean master) {
        if (io.fds.get(fd) instanceof PipeEnd end && end.isTerminal() && (end.isPtyMaster() || !master)) {
            return end;
        }
        throw new ErrnoException(Errno.ENOTTY);
    }

    /** ioctl TIOCGPTN on a pseudo-terminal's master: its number. */
    public int ptyNumber(int fd) {
        return terminal(fd, true).ptyNumber();
    }

    /** ioctl TIOCSPTLCK on a pseudo-terminal's master: locks or unlocks its terminal end. */
    public void lockPty(int fd, boolean lock) {
        terminal(fd, true).lockTerminal(lock);
    }

    /**
     * ioctl TIOCGPTPEER on a pseudo-terminal's master: a new fd for its terminal end (EIO while
     * locked). {@code flags}: an access mode, O_NOCTTY (a run has no controlling terminal to
     * take), O_CLOEXEC and O_NONBLOCK, which sets the terminal end's status; others are EINVAL.
     * Every fd of the terminal end names one read-write description, whatever access is asked.
     */
    public int openPtyPeer(int fd, int flags) {
        PipeEnd end = terminal(fd, true).unlockedTerminal();
        if ((flags & ~(Fcntl.O_ACCMODE | Fcntl.O_NOCTTY | Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & Fcntl.O_NONBLOCK) != 0) {
            end.setFlags(end.flags() | Fcntl.O_NONBLOCK);
        }
        return io.fds.add(end, (flags & Fcntl.O_CLOEXEC) != 0, 0);
    }

    /** Bytes of the kernel {@code struct termios} that TCGETS and TCSETS move. */
    public static final int TERMIOS_SIZE = 36;

    /** ioctl TCGETS on a pseudo-terminal's end: the kernel {@code struct termios} it reports. */
    public byte[] terminalSettings(int fd) {
        terminal(fd, false);
        return PipeEnd.terminalSettings();
    }

    /**
     * ioctl TCSETS, TCSETSW and TCSETSF on a pseudo-terminal's end: the settings cannot change,
     * so setting the ones it has succeeds and anything else is EINVAL.
     */
    public void setTerminalSettings(int fd, byte[] settings) {
        if (!Arrays.equals(terminalSettings(fd), settings)) {
            throw new ErrnoException(Errno.EINVAL, "a pseudo-terminal here stays in raw mode");
        }
    }

    /**
     * Terminal requests other than the pseudo-terminal ones above fail with ENOTTY (the console is
     * a stream, not a terminal); only the requests every file supports, FIOCLEX and FIONCLEX, do
     * something (FIONBIO: {@link #setNonBlocking}).
     *
     * @param request the request number (an {@code unsigned int} in Linux)
     */
    public long ioctl(int fd, long request) {
        io.fds.get(fd);
        long command = request & 0xffff_ffffL;
        if (command == Fcntl.FIOCLEX || command == Fcntl.FIONCLEX) {
            io.fds.setCloseOnExec(fd, command == Fcntl.FIOCLEX);
            return 0;
        }
        throw new ErrnoException(Errno.ENOTTY);
    }

    /** Under the namespace lock: the file's host path must not move while its attributes are read. */
    public Stat fstat(int fd) {
        OpenFile file = io.fds.get(fd);
        return io.locked(file::stat);
    }

    public int getdents64(int fd, MemorySegment buffer) {
        OpenFile file = io.fds.get(fd);
        return io.locked(() -> file.readDirectory(buffer));
    }

    /**
     * What {@code poll} reports for {@code fd} and {@code events}: POLLNVAL for an fd this process
     * does not have; pipes report data, room and a closed other end; everything else is always
     * ready, as Linux reports files.
     */
    public int readiness(int fd, int events) {
        OpenFile file;
        try {
            file = io.fds.get(fd);
        } catch (ErrnoException e) {
            return Poll.POLLNVAL;
        }
        return file.readiness(events);
    }
}
