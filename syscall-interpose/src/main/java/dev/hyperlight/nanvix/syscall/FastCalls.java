package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Sysno;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The calls the host serves straight from the system-call door (docs/guest-abi.md, "The
 * system-call door"): the program's own call, read from its registers, without the guest
 * kernel. This is the one declaration of them: the bitmap the kernel's door reads comes from it
 * ({@link #bitmap()}), and the host decides every door exit with it ({@link #decide}).
 *
 * <p>Each fast call becomes exactly the forwarded request the guest kernel's wrapper
 * (guest-kernel/src/syscalls/fs.rs) would have made of it: the same number, the same argument
 * transformations, and the same address kind (the program's addresses under its page tables for
 * the {@code direct} calls, none for {@code close} and {@code lseek}); it then goes through the
 * same {@link SyscallTable} as every forwarded call, so policies, interceptors and the audit see
 * it as before. What a wrapper needs of the kernel's state the host asks of the {@link Program}:
 * the umask (which {@code openat} with {@code O_CREAT} and {@code mkdirat} take out of the mode),
 * kept for the host in the door's page; whether a write can fail with EPIPE, after which the
 * kernel raises SIGPIPE: such writes are {@link Decision#NOT_RUN} and the kernel serves them as
 * before; and whether a read would wait, which the kernel serves by parking the calling thread
 * (docs/guest-abi.md, "Threads and waits on the host"). FastCallsTest holds each row against the wrapper.
 */
public final class FastCalls {

    /** Calls numbered below this may be fast: the door's bitmap has one bit per number. */
    public static final int LIMIT = 512;

    /** What the host does with one door exit. */
    public sealed interface Decision {

        /** Not a fast call, or not with these arguments: the kernel serves it, as before. */
        Decision NOT_RUN = new NotRun();

        record NotRun() implements Decision {}

        /** The call's result without forwarding anything (the wrapper's own answer, e.g. EINVAL). */
        record Answer(long result) implements Decision {}

        /**
         * Forward {@code request} as the kernel would; {@code userAddresses}: its pointers are the
         * program's, under the program's page tables (else it has none).
         */
        record Forward(SyscallRequest request, boolean userAddresses) implements Decision {}
    }

    /** What the host knows of the calling program besides its registers, asked only when a row needs it. */
    public interface Program {

        /**
         * The process's umask, read from the door's page (docs/guest-abi.md, "The system-call
         * door"): the program's own setting, so any value is only its own choice of modes.
         *
         * @throws dev.hyperlight.nanvix.memory.UserPageFault if the page cannot be read: the call is not run
         */
        long umask();

        /** Whether a write to {@code fd} can fail with EPIPE (a pipe or a socket). */
        boolean writeCanBreakPipe(long fd);

        /**
         * Whether a read of {@code fd} would wait now (a blocking pipe, socket or eventfd with
         * nothing to read): the kernel's, which parks the calling thread so that the program's
         * other threads run meanwhile and a signal can interrupt the wait.
         */
        boolean readWouldWait(long fd);
    }

    @FunctionalInterface
    private interface Row {
        Decision decide(long a0, long a1, long a2, long a3, long a4, long a5, Program program);
    }

    private static final long AT_FDCWD = Fcntl.AT_FDCWD;
    private static final long AT_EMPTY_PATH = Fcntl.AT_EMPTY_PATH;
    private static final long AT_SYMLINK_NOFOLLOW = Fcntl.AT_SYMLINK_NOFOLLOW;
    private static final long MODE_BITS = 0777;

    private static final Map<Sysno, Row> ROWS = new EnumMap<>(Sysno.class);

    static {
        // Reads: the program's buffer, length, offset as they are; one that would wait is the kernel's.
        ROWS.put(Sysno.READ, (a0, a1, a2, a3, a4, a5, program) -> unlessWaiting(a0, program, direct(Sysno.READ, a0, a1, a2)));
        ROWS.put(Sysno.PREAD64, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.PREAD64, a0, a1, a2, a3));
        ROWS.put(Sysno.READV, (a0, a1, a2, a3, a4, a5, program) -> unlessWaiting(a0, program, direct(Sysno.READV, a0, a1, a2)));
        ROWS.put(Sysno.PREADV, (a0, a1, a2, a3, a4, a5, program) -> a3 < 0
                ? new Decision.Answer(-Errno.EINVAL.code())
                : direct(Sysno.PREADV, a0, a1, a2, a3));
        // Integer-only calls: all six registers, no addresses (the wrappers' `host(.., *a)`).
        ROWS.put(Sysno.CLOSE, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.CLOSE, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.LSEEK, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.LSEEK, a0, a1, a2, a3, a4, a5));
        // stat and its forms, all as newfstatat.
        ROWS.put(Sysno.NEWFSTATAT, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.NEWFSTATAT, a0, a1, a2, a3));
        ROWS.put(Sysno.STAT, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.NEWFSTATAT, AT_FDCWD, a0, a1, 0));
        ROWS.put(Sysno.LSTAT, (a0, a1, a2, a3, a4, a5, program) ->
                direct(Sysno.NEWFSTATAT, AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW));
        ROWS.put(Sysno.FSTAT, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.NEWFSTATAT, a0, 0, a1, AT_EMPTY_PATH));
        // The count is an unsigned int.
        ROWS.put(Sysno.GETDENTS64, (a0, a1, a2, a3, a4, a5, program) ->
                direct(Sysno.GETDENTS64, a0, a1, a2 & 0xffff_ffffL));
        ROWS.put(Sysno.READLINKAT, (a0, a1, a2, a3, a4, a5, program) -> readlinkat(a0, a1, a2, a3));
        ROWS.put(Sysno.READLINK, (a0, a1, a2, a3, a4, a5, program) -> readlinkat(AT_FDCWD, a0, a1, a2));
        ROWS.put(Sysno.FACCESSAT, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.FACCESSAT, a0, a1, a2, 0));
        ROWS.put(Sysno.FACCESSAT2, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.FACCESSAT, a0, a1, a2, a3));
        ROWS.put(Sysno.ACCESS, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.FACCESSAT, AT_FDCWD, a0, a1, 0));
        ROWS.put(Sysno.GETCWD, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.GETCWD, a0, a1));
        // A new file's or directory's mode without the process's umask.
        ROWS.put(Sysno.OPENAT, (a0, a1, a2, a3, a4, a5, program) -> openat(a0, a1, a2, a3, program));
        ROWS.put(Sysno.OPEN, (a0, a1, a2, a3, a4, a5, program) -> openat(AT_FDCWD, a0, a1, a2, program));
        ROWS.put(Sysno.CREAT, (a0, a1, a2, a3, a4, a5, program) ->
                openat(AT_FDCWD, a0, Fcntl.O_CREAT | Fcntl.O_WRONLY | Fcntl.O_TRUNC, a1, program));
        ROWS.put(Sysno.MKDIRAT, (a0, a1, a2, a3, a4, a5, program) ->
                direct(Sysno.MKDIRAT, a0, a1, withoutUmask(a2, program)));
        ROWS.put(Sysno.MKDIR, (a0, a1, a2, a3, a4, a5, program) ->
                direct(Sysno.MKDIRAT, AT_FDCWD, a0, withoutUmask(a1, program)));
        // Writes: the kernel raises SIGPIPE on EPIPE, so a write that can meet it is the kernel's.
        ROWS.put(Sysno.WRITE, (a0, a1, a2, a3, a4, a5, program) ->
                unlessPipe(a0, program, direct(Sysno.WRITE, a0, a1, a2)));
        ROWS.put(Sysno.WRITEV, (a0, a1, a2, a3, a4, a5, program) ->
                unlessPipe(a0, program, direct(Sysno.WRITEV, a0, a1, a2)));
        ROWS.put(Sysno.PWRITEV, (a0, a1, a2, a3, a4, a5, program) -> a3 < 0
                ? new Decision.Answer(-Errno.EINVAL.code())
                : unlessPipe(a0, program, direct(Sysno.PWRITEV, a0, a1, a2, a3)));
        // An offset means no pipe, so no SIGPIPE.
        ROWS.put(Sysno.PWRITE64, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.PWRITE64, a0, a1, a2, a3));
        // The request is an unsigned int; the host touches the argument of the requests it knows.
        ROWS.put(Sysno.IOCTL, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.IOCTL, a0, a1 & 0xffff_ffffL, a2));
        ROWS.put(Sysno.FTRUNCATE, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.FTRUNCATE, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.FSYNC, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.FSYNC, a0));
        ROWS.put(Sysno.FDATASYNC, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.FSYNC, a0));
        ROWS.put(Sysno.DUP, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.DUP, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.DUP3, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.DUP3, a0, a1, a2, a3, a4, a5));
        // Names: removing, renaming, the working directory, file system statistics.
        ROWS.put(Sysno.UNLINKAT, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.UNLINKAT, a0, a1, a2));
        ROWS.put(Sysno.UNLINK, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.UNLINKAT, AT_FDCWD, a0, 0));
        ROWS.put(Sysno.RMDIR, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.UNLINKAT, AT_FDCWD, a0, Fcntl.AT_REMOVEDIR));
        ROWS.put(Sysno.RENAMEAT2, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.RENAMEAT2, a0, a1, a2, a3, a4));
        ROWS.put(Sysno.RENAMEAT, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.RENAMEAT2, a0, a1, a2, a3, 0));
        ROWS.put(Sysno.RENAME, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.RENAMEAT2, AT_FDCWD, a0, AT_FDCWD, a1, 0));
        ROWS.put(Sysno.CHDIR, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.CHDIR, a0));
        ROWS.put(Sysno.FCHDIR, (a0, a1, a2, a3, a4, a5, program) -> integers(Sysno.FCHDIR, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.STATFS, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.STATFS, a0, a1));
        ROWS.put(Sysno.FSTATFS, (a0, a1, a2, a3, a4, a5, program) -> direct(Sysno.FSTATFS, a0, a1));
    }

    private FastCalls() {}

    /** The fast calls. */
    public static Set<Sysno> calls() {
        return ROWS.keySet();
    }

    /** The door's bitmap, as the boot info carries it: bit {@code n % 64} of word {@code n / 64}. */
    public static long[] bitmap() {
        long[] words = new long[LIMIT / 64];
        for (Sysno call : ROWS.keySet()) {
            words[call.number() / 64] |= 1L << (call.number() % 64);
        }
        return words;
    }

    /**
     * What to do with the program's call {@code number} (RAX) with arguments RDI, RSI, RDX, R10, R8,
     * R9, all raw from its registers: any value may arrive (the program may ring the door itself).
     *
     * @throws dev.hyperlight.nanvix.memory.UserPageFault if {@code program} cannot say what the call needs
     */
    public static Decision decide(long number, long a0, long a1, long a2, long a3, long a4, long a5, Program program) {
        if (number < 0 || number >= LIMIT) {
            return Decision.NOT_RUN;
        }
        Row row = Sysno.of(number).map(ROWS::get).orElse(null);
        return row == null ? Decision.NOT_RUN : row.decide(a0, a1, a2, a3, a4, a5, program);
    }

    private static Decision direct(Sysno call, long... args) {
        return new Decision.Forward(SyscallRequest.of(call, args), true);
    }

    private static Decision integers(Sysno call, long... args) {
        return new Decision.Forward(SyscallRequest.of(call, args), false);
    }

    private static Decision readlinkat(long dirfd, long path, long buffer, long size) {
        return size <= 0
                ? new Decision.Answer(-Errno.EINVAL.code())
                : direct(Sysno.READLINKAT, dirfd, path, buffer, size);
    }

    private static Decision openat(long dirfd, long path, long flags, long mode, Program program) {
        return direct(Sysno.OPENAT, dirfd, path, flags, (flags & Fcntl.O_CREAT) != 0 ? withoutUmask(mode, program) : mode);
    }

    /** As the kernel's {@code without_umask}: the umask (at most 0777, as umask(2) keeps it) out of the mode. */
    private static long withoutUmask(long mode, Program program) {
        return mode & ~(program.umask() & MODE_BITS);
    }

    private static Decision unlessPipe(long fd, Program program, Decision write) {
        return program.writeCanBreakPipe(fd) ? Decision.NOT_RUN : write;
    }

    private static Decision unlessWaiting(long fd, Program program, Decision read) {
        return program.readWouldWait(fd) ? Decision.NOT_RUN : read;
    }
}
