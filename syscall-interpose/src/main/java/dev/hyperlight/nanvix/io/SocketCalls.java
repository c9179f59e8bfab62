package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.file.OpenFile;
import dev.hyperlight.nanvix.file.PipeEnd;
import dev.hyperlight.nanvix.file.UnixSocket;
import java.lang.foreign.MemorySegment;

/**
 * Pipes and sockets of one process ({@link HostIo#sockets()}): pipe2, socketpair, AF_UNIX
 * sockets as local objects, and the data calls on them. Network sockets are refused by policy
 * before they get here.
 */
public final class SocketCalls {

    private final HostIo io;

    SocketCalls(HostIo io) {
        this.io = io;
    }

    /** pipe2: returns {read fd, write fd}; flags O_CLOEXEC, O_NONBLOCK (O_DIRECT is accepted and ignored). */
    public int[] pipe2(int flags) {
        if ((flags & ~(Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK | Fcntl.O_DIRECT)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return installPair(PipeEnd.pipe(flags & Fcntl.O_NONBLOCK, io.pipeInodes.getAndAdd(2), io.pipeBudget), flags);
    }

    /** socketpair(AF_UNIX, SOCK_STREAM): two connected fds; flags SOCK_CLOEXEC, SOCK_NONBLOCK in the type. */
    public int[] socketPair(int domain, int type, int protocol) {
        final int afUnix = 1;
        final int sockStream = 1;
        final int typeFlags = Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK; // SOCK_CLOEXEC, SOCK_NONBLOCK
        if (domain != afUnix) {
            throw new ErrnoException(Errno.EAFNOSUPPORT);
        }
        if ((type & ~typeFlags) != sockStream || protocol != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "only SOCK_STREAM socket pairs");
        }
        return installPair(PipeEnd.socketPair(type & Fcntl.O_NONBLOCK, io.pipeInodes.getAndAdd(2), io.pipeBudget), type);
    }

    /**
     * socket(AF_UNIX, ...): a local socket, unbound and unconnected (see {@link UnixSocket});
     * flags SOCK_CLOEXEC, SOCK_NONBLOCK in the type. Other families have no stack behind the
     * sandbox: EAFNOSUPPORT.
     */
    public int socket(int domain, int type, int protocol) {
        final int typeFlags = Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK; // SOCK_CLOEXEC, SOCK_NONBLOCK
        if (domain != UnixSocket.AF_UNIX) {
            throw new ErrnoException(Errno.EAFNOSUPPORT);
        }
        int kind = type & ~typeFlags;
        if (kind != UnixSocket.SOCK_STREAM && kind != UnixSocket.SOCK_DGRAM && kind != UnixSocket.SOCK_SEQPACKET) {
            throw new ErrnoException(Errno.ESOCKTNOSUPPORT);
        }
        if (protocol != 0) {
            throw new ErrnoException(Errno.EPROTONOSUPPORT);
        }
        UnixSocket socket = new UnixSocket(kind, type & Fcntl.O_NONBLOCK, io.pipeInodes.getAndIncrement());
        return io.fds.add(socket, (type & Fcntl.O_CLOEXEC) != 0, 0);
    }

    /**
     * Whether {@code fd} is a local socket ({@code socket(AF_UNIX)} or a {@code socketpair} end):
     * calls on it reach nothing outside the sandbox. False for an fd this process does not have.
     */
    public boolean isLocalSocket(int fd) {
        try {
            OpenFile file = io.fds.get(fd);
            return file instanceof UnixSocket || file instanceof PipeEnd && file.stat().type() == FileType.SOCKET;
        } catch (ErrnoException e) {
            return false;
        }
    }

    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;

    /**
     * send/sendto on a socket pair's end: the bytes written. Flags MSG_DONTWAIT and MSG_NOSIGNAL
     * (others EOPNOTSUPP); an address is EISCONN, as on a connected stream socket.
     */
    public long send(int fd, MemorySegment data, int flags, boolean addressed) {
        PipeEnd end = connectedSocket(fd, Sysno.SENDTO, flags);
        if (addressed) {
            throw new ErrnoException(Errno.EISCONN);
        }
        return end.send(data, (flags & MSG_DONTWAIT) != 0);
    }

    /** recv/recvfrom on a socket pair's end: the bytes read, 0 when the other end is closed. */
    public long receive(int fd, MemorySegment buffer, int flags) {
        return connectedSocket(fd, Sysno.RECVFROM, flags).receive(buffer, (flags & MSG_DONTWAIT) != 0);
    }

    private PipeEnd connectedSocket(int fd, Sysno call, int flags) {
        if (!(io.fds.get(fd) instanceof PipeEnd end) || end.stat().type() != FileType.SOCKET) {
            throw new ErrnoException(socketCallError(fd, call));
        }
        if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL)) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "message flags " + Integer.toHexString(flags));
        }
        return end;
    }

    /**
     * getsockname and getpeername: the sandbox's sockets have no names, so a socket pair's end
     * (either call) and an unconnected socket (getsockname) are unnamed AF_UNIX sockets, whose
     * address the caller writes; anything else throws {@link #socketCallError}'s errno.
     */
    public void checkUnnamed(int fd, Sysno call) {
        OpenFile file = io.fds.get(fd);
        boolean pairEnd = file instanceof PipeEnd && file.stat().type() == FileType.SOCKET;
        if (!pairEnd && !(file instanceof UnixSocket && call == Sysno.GETSOCKNAME)) {
            throw new ErrnoException(socketCallError(fd, call));
        }
    }

    /**
     * getsockopt at {@code SOL_SOCKET} of what a program asks to learn what an fd is (libuv's
     * uv_guess_handle): {@code SO_TYPE}, {@code SO_DOMAIN} ({@code AF_UNIX}) and {@code SO_ERROR}
     * (none pending) of a socket pair's end or a local socket; ENOPROTOOPT for other options of
     * theirs, as Linux answers an option it does not know; other files as {@link #socketCallError}.
     */
    public int socketOption(int fd, int level, int option) {
        final int solSocket = 1;
        final int soType = 3;
        final int soError = 4;
        final int soDomain = 39;
        OpenFile file = io.fds.get(fd);
        int type;
        if (file instanceof PipeEnd && file.stat().type() == FileType.SOCKET) {
            type = UnixSocket.SOCK_STREAM;
        } else if (file instanceof UnixSocket socket) {
            type = socket.type();
        } else {
            throw new ErrnoException(socketCallError(fd, Sysno.GETSOCKOPT));
        }
        if (level != solSocket) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        return switch (option) {
            case soType -> type;
            case soDomain -> UnixSocket.AF_UNIX;
            case soError -> 0;
            default -> throw new ErrnoException(Errno.ENOPROTOOPT);
        };
    }

    /** shutdown(2): on a socket pair's end ({@link PipeEnd#shutdown}); other files as {@link #socketCallError}. */
    public void shutdown(int fd, int how) {
        if (io.fds.get(fd) instanceof PipeEnd end && end.stat().type() == FileType.SOCKET) {
            end.shutdown(how);
            return;
        }
        throw new ErrnoException(socketCallError(fd, Sysno.SHUTDOWN));
    }

    /**
     * A socket call other than socket/socketpair on {@code fd}: ENOTSOCK for a file that is no
     * socket; for an unconnected {@link UnixSocket}, the errno Linux gives such a socket (bind:
     * EACCES, the sandbox has no socket names); EOPNOTSUPP for what a socket pair's end
     * does not support.
     */
    public Errno socketCallError(int fd, Sysno call) {
        OpenFile file = io.fds.get(fd);
        if (file instanceof UnixSocket) {
            return switch (call) {
                case BIND -> Errno.EACCES;
                case CONNECT -> Errno.ECONNREFUSED;
                case LISTEN, ACCEPT4, RECVFROM -> Errno.EINVAL;
                case SHUTDOWN, SENDTO, GETPEERNAME -> Errno.ENOTCONN;
                default -> Errno.EOPNOTSUPP;
            };
        }
        return file.stat().type() == FileType.SOCKET ? Errno.EOPNOTSUPP : Errno.ENOTSOCK;
    }

    private int[] installPair(PipeEnd[] ends, int flags) {
        boolean closeOnExec = (flags & Fcntl.O_CLOEXEC) != 0;
        int first = io.fds.add(ends[0], closeOnExec, 0);
        try {
            return new int[] {first, io.fds.add(ends[1], closeOnExec, 0)};
        } catch (ErrnoException e) {
            io.fds.close(first);
            ends[1].release();
            throw e;
        }
    }
}
