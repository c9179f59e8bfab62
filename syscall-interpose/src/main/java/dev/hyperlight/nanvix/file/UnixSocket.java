package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import java.lang.foreign.MemorySegment;
import java.time.Instant;

/**
 * A socket from {@code socket(AF_UNIX, ...)}: local IPC, so the network policy lets it exist.
 * It stays unbound and unconnected: the sandbox has no socket names yet, so {@code bind} fails
 * with EACCES and {@code connect} with ECONNREFUSED, and it never reaches a socket file of
 * the host that happens to lie under a mount (that would let the guest talk to host daemons).
 * Data goes through {@code socketpair}, whose ends are {@link PipeEnd}s.
 */
public final class UnixSocket extends OpenFile {

    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_SEQPACKET = 5;

    private static final long SOCKET_DEVICE = 3;

    private final int type;
    private final Stat stat;

    public UnixSocket(int type, int statusFlags, long inode) {
        super(Fcntl.O_RDWR, statusFlags);
        this.type = type;
        Instant now = Instant.now();
        // Linux reports a socket's mode as 0777.
        this.stat = new Stat(SOCKET_DEVICE, inode, 1, FileType.SOCKET.modeBits() | 0777, GuestNamespace.GUEST_OWNER,
                GuestNamespace.GUEST_OWNER, 0, 0, PipeBuffer.PIPE_BUF, 0, now, now, now);
    }

    /** SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET. */
    public int type() {
        return type;
    }

    /** Reading an unconnected socket: EINVAL for stream sockets, as Linux's unix_stream_recvmsg. */
    @Override
    public long read(MemorySegment buffer) {
        throw new ErrnoException(type == SOCK_DGRAM ? Errno.EAGAIN : Errno.EINVAL);
    }

    @Override
    public long write(MemorySegment data) {
        throw new ErrnoException(Errno.ENOTCONN);
    }

    /** Linux's unix_poll: an unconnected stream socket is hung up, and any socket may be written. */
    @Override
    public int readiness(int events) {
        int hangUp = type == SOCK_DGRAM ? 0 : Poll.POLLHUP;
        return hangUp | (events & (Poll.POLLOUT | Poll.POLLWRNORM));
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public void release() {
    }
}
