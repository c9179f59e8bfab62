package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.Stat;
import dev.hyperlight.nanvix.io.Timespec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The default host implementation of the forwarded calls: decodes Linux's raw arguments, checks
 * every guest range through {@link GuestMemory} and runs the call on the sandbox's {@link HostIo}.
 * Arguments are narrowed the way the kernel narrows them (an fd is the low 32 bits, a count is
 * unsigned), so the guest sees Linux's answers.
 */
final class DefaultSyscalls {

    /** Bytes in a path, its NUL included. */
    static final int PATH_MAX = 4096;
    /** Linux's cap on one read or write (MAX_RW_COUNT): larger counts transfer this much. */
    static final long MAX_RW_COUNT = 0x7fff_f000L;

    static final int GRND_NONBLOCK = 1;
    static final int GRND_RANDOM = 2;
    static final int GRND_INSECURE = 4;

    private DefaultSyscalls() {
    }

    static long read(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.read(fd(r.arg0()), transferBuffer(m, r.arg1(), r.arg2()));
    }

    static long write(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.write(fd(r.arg0()), transferBuffer(m, r.arg1(), r.arg2()));
    }

    static long pread64(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.pread(fd(r.arg0()), transferBuffer(m, r.arg1(), r.arg2()), r.arg3());
    }

    static long pwrite64(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.pwrite(fd(r.arg0()), transferBuffer(m, r.arg1(), r.arg2()), r.arg3());
    }

    static long close(SyscallRequest r, GuestMemory m, HostIo io) {
        io.close(fd(r.arg0()));
        return 0;
    }

    static long lseek(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.lseek(fd(r.arg0()), r.arg1(), (int) r.arg2());
    }

    static long ioctl(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.ioctl(fd(r.arg0()), r.arg1());
    }

    static long openat(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.openAt(fd(r.arg0()), path(m, r.arg1()), (int) r.arg2(), (int) r.arg3());
    }

    static long newfstatat(SyscallRequest r, GuestMemory m, HostIo io) {
        Stat stat = io.statAt(fd(r.arg0()), path(m, r.arg1()), (int) r.arg3());
        stat.encode(m.range(r.arg2(), Stat.SIZE));
        return 0;
    }

    static long faccessat(SyscallRequest r, GuestMemory m, HostIo io) {
        io.accessAt(fd(r.arg0()), path(m, r.arg1()), (int) r.arg2());
        return 0;
    }

    static long getdents64(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.getdents64(fd(r.arg0()), m.range(r.arg1(), unsignedInt(r.arg2())));
    }

    /** Returns the length written, NUL included; ERANGE if {@code size} cannot hold it. */
    static long getcwd(SyscallRequest r, GuestMemory m, HostIo io) {
        byte[] path = io.getcwd().getBytes(StandardCharsets.UTF_8);
        long size = r.arg1();
        if (Long.compareUnsigned(size, path.length + 1L) < 0) {
            throw new ErrnoException(Errno.ERANGE);
        }
        MemorySegment out = m.range(r.arg0(), path.length + 1L);
        MemorySegment.copy(path, 0, out, ValueLayout.JAVA_BYTE, 0, path.length);
        out.set(ValueLayout.JAVA_BYTE, path.length, (byte) 0);
        return path.length + 1L;
    }

    static long chdir(SyscallRequest r, GuestMemory m, HostIo io) {
        io.chdir(path(m, r.arg0()));
        return 0;
    }

    static long fchdir(SyscallRequest r, GuestMemory m, HostIo io) {
        io.fchdir(fd(r.arg0()));
        return 0;
    }

    static long mkdirat(SyscallRequest r, GuestMemory m, HostIo io) {
        io.mkdirAt(fd(r.arg0()), path(m, r.arg1()), (int) r.arg2());
        return 0;
    }

    static long unlinkat(SyscallRequest r, GuestMemory m, HostIo io) {
        io.unlinkAt(fd(r.arg0()), path(m, r.arg1()), (int) r.arg2());
        return 0;
    }

    static long renameat2(SyscallRequest r, GuestMemory m, HostIo io) {
        io.renameAt(fd(r.arg0()), path(m, r.arg1()), fd(r.arg2()), path(m, r.arg3()), (int) r.arg4());
        return 0;
    }

    /** Copies as much of the link text as fits, without a NUL, and returns that count. */
    static long readlinkat(SyscallRequest r, GuestMemory m, HostIo io) {
        int size = (int) r.arg3();
        if (size <= 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        String path = path(m, r.arg1());
        byte[] target = io.readlinkAt(fd(r.arg0()), path).getBytes(StandardCharsets.UTF_8);
        int n = Math.min(size, target.length);
        MemorySegment.copy(target, 0, m.range(r.arg2(), n), ValueLayout.JAVA_BYTE, 0, n);
        return n;
    }

    static long fcntl(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.fcntl(fd(r.arg0()), (int) r.arg1(), r.arg2());
    }

    static long dup(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.dup(fd(r.arg0()));
    }

    static long dup3(SyscallRequest r, GuestMemory m, HostIo io) {
        return io.dup3(fd(r.arg0()), fd(r.arg1()), (int) r.arg2());
    }

    static long ftruncate(SyscallRequest r, GuestMemory m, HostIo io) {
        io.ftruncate(fd(r.arg0()), r.arg1());
        return 0;
    }

    static long fsync(SyscallRequest r, GuestMemory m, HostIo io) {
        io.fsync(fd(r.arg0()));
        return 0;
    }

    /** The host's SecureRandom never blocks, so GRND_NONBLOCK and GRND_RANDOM change nothing. */
    static long getrandom(SyscallRequest r, GuestMemory m, HostIo io) {
        int flags = (int) r.arg2();
        if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0
                || (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        MemorySegment buffer = transferBuffer(m, r.arg0(), r.arg1());
        io.fillRandom(buffer);
        return buffer.byteSize();
    }

    /**
     * Sleeps the calling (vCPU) thread. An interrupt, which is how the host stops a run, ends the
     * sleep with EINTR and the time left in {@code rem}; the interrupt stays set for the caller.
     */
    static long nanosleep(SyscallRequest r, GuestMemory m, HostIo io) {
        Timespec request = Timespec.decode(m.range(r.arg0(), Timespec.SIZE));
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
            if (r.arg1() != 0) {
                Duration left = interval.minusNanos(System.nanoTime() - start);
                Timespec.of(left.isNegative() ? Duration.ZERO : left).encode(m.range(r.arg1(), Timespec.SIZE));
            }
            return Errno.EINTR.result();
        }
    }

    // ---- argument decoding ----

    /** Linux takes fds as {@code int} (or {@code unsigned int}): the low 32 bits of the register. */
    private static int fd(long raw) {
        return (int) raw;
    }

    private static long unsignedInt(long raw) {
        return raw & 0xffff_ffffL;
    }

    /** The guest buffer {@code [gpa, gpa + count)}, checked whole, then cut to MAX_RW_COUNT. */
    private static MemorySegment transferBuffer(GuestMemory m, long gpa, long count) {
        MemorySegment buffer = m.range(gpa, count);
        return buffer.byteSize() > MAX_RW_COUNT ? buffer.asSlice(0, MAX_RW_COUNT) : buffer;
    }

    /**
     * A path argument: at most PATH_MAX bytes with its NUL (else ENAMETOOLONG), valid UTF-8 (else
     * EILSEQ: host file names are kept as Java strings, which cannot carry other bytes faithfully).
     */
    static String path(GuestMemory m, long gpa) {
        byte[] bytes;
        try {
            bytes = m.readCBytes(gpa, PATH_MAX - 1);
        } catch (GuestStringTooLongException e) {
            throw new ErrnoException(Errno.ENAMETOOLONG);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ErrnoException(Errno.EILSEQ, "path is not UTF-8");
        }
    }
}
