package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.abi.Timespec;
import dev.hyperlight.nanvix.io.DescriptorCalls;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.vfs.GuestNames;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * The default host implementation of the forwarded calls: takes the arguments from the {@link
 * SyscallCall} (paths decoded and checked, buffers bounds-checked, so a path an interceptor
 * replaced is the one used) and runs the call on the sandbox's {@link HostIo}. Arguments are
 * narrowed the way the kernel narrows them (an fd is the low 32 bits, a count is unsigned), so
 * the guest sees Linux's answers.
 */
final class DefaultSyscalls {

    static final int GRND_NONBLOCK = 1;
    static final int GRND_RANDOM = 2;
    static final int GRND_INSECURE = 4;

    // Terminal requests a pseudo-terminal answers (DescriptorCalls).
    private static final long TCGETS = 0x5401;
    private static final long TCSETS = 0x5402;
    private static final long TCSETSF = 0x5404;
    private static final long TIOCGPTN = 0x80045430L;
    private static final long TIOCSPTLCK = 0x40045431L;
    private static final long TIOCGPTPEER = 0x5441;

    private DefaultSyscalls() {
    }

    static long read(SyscallCall c, HostIo io) {
        return io.descriptors().read(c.fd(0), c.buffer(1));
    }

    static long write(SyscallCall c, HostIo io) {
        return io.descriptors().write(c.fd(0), c.buffer(1));
    }

    static long pread64(SyscallCall c, HostIo io) {
        return io.descriptors().pread(c.fd(0), c.buffer(1), c.argument(3));
    }

    static long pwrite64(SyscallCall c, HostIo io) {
        return io.descriptors().pwrite(c.fd(0), c.buffer(1), c.argument(3));
    }

    static long close(SyscallCall c, HostIo io) {
        io.descriptors().close(c.fd(0));
        return 0;
    }

    static long lseek(SyscallCall c, HostIo io) {
        return io.descriptors().lseek(c.fd(0), c.argument(1), (int) c.argument(2));
    }

    /**
     * FIONBIO's, FIONREAD's, TIOCGPTN's and TIOCSPTLCK's argument is an {@code int *} in the
     * program's memory, TCGETS's and TCSETS's (TCSETSW, TCSETSF) a kernel {@code struct termios}
     * (written only when the call answers); TIOCGPTPEER's is open flags; the other requests never
     * touch theirs.
     */
    static long ioctl(SyscallCall c, HostIo io) {
        long request = c.argument(1) & 0xffff_ffffL;
        if (request == Fcntl.FIONBIO) {
            int on = c.memory().readable(c.argument(2), 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            io.descriptors().setNonBlocking(c.fd(0), on != 0);
            return 0;
        }
        if (request == Fcntl.FIONREAD) {
            int available = io.descriptors().bytesToRead(c.fd(0));
            c.memory().writable(c.argument(2), 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, available);
            return 0;
        }
        if (request == TIOCGPTN) {
            int number = io.descriptors().ptyNumber(c.fd(0));
            c.memory().writable(c.argument(2), 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, number);
            return 0;
        }
        if (request == TIOCSPTLCK) {
            int lock = c.memory().readable(c.argument(2), 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            io.descriptors().lockPty(c.fd(0), lock != 0);
            return 0;
        }
        if (request == TIOCGPTPEER) {
            return io.descriptors().openPtyPeer(c.fd(0), (int) c.argument(2));
        }
        if (request == TCGETS) {
            byte[] settings = io.descriptors().terminalSettings(c.fd(0));
            c.memory().writable(c.argument(2), settings.length).copyFrom(MemorySegment.ofArray(settings));
            return 0;
        }
        if (request >= TCSETS && request <= TCSETSF) {
            byte[] settings = c.memory().readable(c.argument(2), DescriptorCalls.TERMIOS_SIZE)
                    .toArray(ValueLayout.JAVA_BYTE);
            io.descriptors().setTerminalSettings(c.fd(0), settings);
            return 0;
        }
        return io.descriptors().ioctl(c.fd(0), request);
    }


    static long openat(SyscallCall c, HostIo io) {
        return io.fileSystem().openAt(c.fd(0), c.path(1), (int) c.argument(2), (int) c.argument(3));
    }

    static long newfstatat(SyscallCall c, HostIo io) {
        int flags = (int) c.argument(3);
        // A null path with AT_EMPTY_PATH is fstat, as Linux 6.11 takes it.
        String path = c.argument(1) == 0 && (flags & Fcntl.AT_EMPTY_PATH) != 0 ? "" : c.path(1);
        Stat stat = io.fileSystem().statAt(c.fd(0), path, flags);
        stat.encode(c.struct(2));
        return 0;
    }

    static long statfs(SyscallCall c, HostIo io) {
        io.fileSystem().statfs(c.path(0)).encode(c.struct(1));
        return 0;
    }

    static long fstatfs(SyscallCall c, HostIo io) {
        io.fileSystem().fstatfs(c.fd(0)).encode(c.struct(1));
        return 0;
    }

    static long faccessat(SyscallCall c, HostIo io) {
        io.fileSystem().accessAt(c.fd(0), c.path(1), (int) c.argument(2));
        return 0;
    }

    static long getdents64(SyscallCall c, HostIo io) {
        return io.descriptors().getdents64(c.fd(0), c.buffer(1));
    }

    /** Returns the length written, NUL included; ERANGE if {@code size} cannot hold it. */
    static long getcwd(SyscallCall c, HostIo io) {
        byte[] path = GuestNames.encode(io.fileSystem().getcwd());
        long size = c.argument(1);
        if (Long.compareUnsigned(size, path.length + 1L) < 0) {
            throw new ErrnoException(Errno.ERANGE);
        }
        MemorySegment out = c.buffer(0).asSlice(0, path.length + 1L);
        MemorySegment.copy(path, 0, out, ValueLayout.JAVA_BYTE, 0, path.length);
        out.set(ValueLayout.JAVA_BYTE, path.length, (byte) 0);
        return path.length + 1L;
    }

    static long chdir(SyscallCall c, HostIo io) {
        io.fileSystem().chdir(c.path(0));
        return 0;
    }

    static long fchdir(SyscallCall c, HostIo io) {
        io.fileSystem().fchdir(c.fd(0));
        return 0;
    }

    static long mkdirat(SyscallCall c, HostIo io) {
        io.fileSystem().mkdirAt(c.fd(0), c.path(1), (int) c.argument(2));
        return 0;
    }

    static long unlinkat(SyscallCall c, HostIo io) {
        io.fileSystem().unlinkAt(c.fd(0), c.path(1), (int) c.argument(2));
        return 0;
    }

    static long renameat2(SyscallCall c, HostIo io) {
        io.fileSystem().renameAt(c.fd(0), c.path(1), c.fd(2), c.path(3), (int) c.argument(4));
        return 0;
    }

    /** Copies as much of the link text as fits, without a NUL, and returns that count. */
    static long readlinkat(SyscallCall c, HostIo io) {
        int size = (int) c.argument(3);
        if (size <= 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        String path = c.path(1);
        byte[] target = GuestNames.encode(io.fileSystem().readlinkAt(c.fd(0), path));
        int n = Math.min(size, target.length);
        MemorySegment.copy(target, 0, c.buffer(2), ValueLayout.JAVA_BYTE, 0, n);
        return n;
    }

    /** fchmod arrives as fchmodat with an empty path and AT_EMPTY_PATH in args[3]. */
    static long fchmodat(SyscallCall c, HostIo io) {
        String path = c.path(1);
        int mode = (int) c.argument(2);
        if (path.isEmpty() && (c.argument(3) & Fcntl.AT_EMPTY_PATH) != 0) {
            io.fileSystem().chmod(c.fd(0), mode);
        } else {
            io.fileSystem().chmodAt(c.fd(0), path, mode);
        }
        return 0;
    }

    /**
     * The kernel always passes a path and both times (UTIME_NOW for a null times pointer);
     * futimens arrives with an empty path and AT_EMPTY_PATH.
     */
    static long utimensat(SyscallCall c, HostIo io) {
        MemorySegment times = c.memory().range(c.argument(2), 2L * Timespec.SIZE);
        Timespec access = Timespec.decode(times.asSlice(0, Timespec.SIZE));
        Timespec modification = Timespec.decode(times.asSlice(Timespec.SIZE, Timespec.SIZE));
        String path = c.path(1);
        int flags = (int) c.argument(3);
        if (path.isEmpty() && (flags & Fcntl.AT_EMPTY_PATH) != 0) {
            if ((flags & ~(Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_NOFOLLOW)) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            io.fileSystem().setTimes(c.fd(0), access, modification);
        } else {
            io.fileSystem().setTimesAt(c.fd(0), path, access, modification, flags);
        }
        return 0;
    }

    static long symlinkat(SyscallCall c, HostIo io) {
        io.fileSystem().symlinkAt(c.path(0), c.fd(1), c.path(2));
        return 0;
    }

    static long linkat(SyscallCall c, HostIo io) {
        io.fileSystem().linkAt(c.fd(0), c.path(1), c.fd(2), c.path(3), (int) c.argument(4));
        return 0;
    }

    static long fcntl(SyscallCall c, HostIo io) {
        return io.descriptors().fcntl(c.fd(0), (int) c.argument(1), c.argument(2));
    }

    static long dup(SyscallCall c, HostIo io) {
        return io.descriptors().dup(c.fd(0));
    }

    static long dup3(SyscallCall c, HostIo io) {
        return io.descriptors().dup3(c.fd(0), c.fd(1), (int) c.argument(2));
    }

    static long ftruncate(SyscallCall c, HostIo io) {
        io.descriptors().ftruncate(c.fd(0), c.argument(1));
        return 0;
    }

    static long fsync(SyscallCall c, HostIo io) {
        io.descriptors().fsync(c.fd(0));
        return 0;
    }

    /** The host's SecureRandom never blocks, so GRND_NONBLOCK and GRND_RANDOM change nothing. */
    static long getrandom(SyscallCall c, HostIo io) {
        int flags = (int) c.argument(2);
        if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0
                || (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        MemorySegment buffer = c.buffer(0);
        io.fillRandom(buffer);
        return buffer.byteSize();
    }

    /**
     * Sleeps the calling (vCPU) thread. An interrupt, which is how the host stops a run, ends the
     * sleep with EINTR and the time left in {@code rem}; the interrupt stays set for the caller.
     */
    static long nanosleep(SyscallCall c, HostIo io) {
        Timespec request = Timespec.decode(c.memory().range(c.argument(0), Timespec.SIZE));
        if (!request.isValidInterval()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        Duration interval = request.toDuration();
        long start = System.nanoTime();
        try {
            Thread.sleep(interval);
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (c.argument(1) != 0) {
                Duration left = interval.minusNanos(System.nanoTime() - start);
                Timespec.of(left.isNegative() ? Duration.ZERO : left).encode(c.memory().range(c.argument(1), Timespec.SIZE));
            }
            return Errno.EINTR.result();
        }
    }

    /**
     * Local sockets only: socket(AF_UNIX) gives an unbound socket; there is no network stack
     * behind the sandbox, so other families fail with EAFNOSUPPORT. An interceptor can implement
     * network sockets itself.
     */
    static long socket(SyscallCall c, HostIo io) {
        return io.sockets().socket((int) c.argument(0), (int) c.argument(1), (int) c.argument(2));
    }

    /**
     * connect, bind, listen, shutdown, accept4, sendto, recvfrom, getsockname, getpeername,
     * setsockopt, getsockopt: no guest fd is a network socket. sendto and recvfrom move data on a
     * socket pair's end; otherwise a local socket answers as an unbound, unconnected one does
     * ({@link HostIo#socketCallError}), other files ENOTSOCK.
     */
    /** {@code AF_UNIX}, the first byte of a little-endian {@code sa_family_t}. */
    private static final byte UNIX_FAMILY = 1;

    static long onSocket(SyscallCall c, HostIo io) {
        return switch (c.sysno()) {
            case SENDTO -> io.sockets().send(c.fd(0), c.buffer(1), (int) c.argument(3), c.argument(4) != 0);
            case RECVFROM -> {
                long received = io.sockets().receive(c.fd(0), c.buffer(1), (int) c.argument(3));
                if (c.argument(5) != 0) {
                    // The peer of a socket pair has no name: Linux reports an address length of 0.
                    c.memory().range(c.argument(5), 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0);
                }
                yield received;
            }
            case GETSOCKNAME, GETPEERNAME -> {
                io.sockets().checkUnnamed(c.fd(0), c.sysno());
                MemorySegment length = c.memory().range(c.argument(2), 4);
                int room = length.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                if (room < 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                // An unnamed AF_UNIX socket's address, as Linux gives it: the family alone, truncated to the room.
                MemorySegment.copy(MemorySegment.ofArray(new byte[] {UNIX_FAMILY, 0}), 0,
                        c.memory().range(c.argument(1), Math.min(room, 2)), 0, Math.min(room, 2));
                length.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 2);
                yield 0;
            }
            case GETSOCKOPT -> {
                int value = io.sockets().socketOption(c.fd(0), (int) c.argument(1), (int) c.argument(2));
                MemorySegment length = c.memory().range(c.argument(4), 4);
                int room = length.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                if (room < 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                // An int option, truncated to the room as Linux copies it.
                int copied = Math.min(room, Integer.BYTES);
                MemorySegment into = c.memory().range(c.argument(3), copied);
                MemorySegment.copy(MemorySegment.ofArray(new int[] {value}), 0, into, 0, copied);
                length.set(ValueLayout.JAVA_INT_UNALIGNED, 0, copied);
                yield 0;
            }
            case SHUTDOWN -> {
                io.sockets().shutdown(c.fd(0), (int) c.argument(1));
                yield 0;
            }
            default -> throw new ErrnoException(io.sockets().socketCallError(c.fd(0), c.sysno()));
        };
    }

    static long eventfd2(SyscallCall c, HostIo io) {
        return io.descriptors().eventfd(c.argument(0), (int) c.argument(1));
    }

    static long memfdCreate(SyscallCall c, HostIo io) {
        return io.fileSystem().memfdCreate(c.path(0), (int) c.argument(1));
    }

    static long pipe2(SyscallCall c, HostIo io) {
        MemorySegment out = c.memory().range(c.argument(0), 8);
        int[] pair = io.sockets().pipe2((int) c.argument(1));
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 0, pair[0]);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 4, pair[1]);
        return 0;
    }

    static long socketpair(SyscallCall c, HostIo io) {
        MemorySegment out = c.memory().range(c.argument(3), 8);
        int[] pair = io.sockets().socketPair((int) c.argument(0), (int) c.argument(1), (int) c.argument(2));
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 0, pair[0]);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 4, pair[1]);
        return 0;
    }
}
