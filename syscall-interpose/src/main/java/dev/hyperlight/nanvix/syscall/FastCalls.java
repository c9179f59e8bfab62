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
 * it as before. Only pure pass-through wrappers are here: a call whose wrapper needs the kernel's
 * state ({@code openat} with {@code O_CREAT} takes the process's umask) is {@link Decision#NOT_RUN}
 * for those arguments, and the kernel serves it as before. FastCallsTest holds each row against
 * the wrapper.
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

    @FunctionalInterface
    private interface Row {
        Decision decide(long a0, long a1, long a2, long a3, long a4, long a5);
    }

    private static final long AT_FDCWD = Fcntl.AT_FDCWD;
    private static final long AT_EMPTY_PATH = Fcntl.AT_EMPTY_PATH;
    private static final long AT_SYMLINK_NOFOLLOW = Fcntl.AT_SYMLINK_NOFOLLOW;
    private static final long NEEDS_UMASK = Fcntl.O_CREAT | Fcntl.O_TMPFILE_BIT;

    private static final Map<Sysno, Row> ROWS = new EnumMap<>(Sysno.class);

    static {
        // Reads: the program's buffer, length, offset as they are.
        ROWS.put(Sysno.READ, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.READ, a0, a1, a2));
        ROWS.put(Sysno.PREAD64, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.PREAD64, a0, a1, a2, a3));
        ROWS.put(Sysno.READV, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.READV, a0, a1, a2));
        ROWS.put(Sysno.PREADV, (a0, a1, a2, a3, a4, a5) -> a3 < 0
                ? new Decision.Answer(-Errno.EINVAL.code())
                : direct(Sysno.PREADV, a0, a1, a2, a3));
        // Integer-only calls: all six registers, no addresses (the wrappers' `host(.., *a)`).
        ROWS.put(Sysno.CLOSE, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.CLOSE, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.LSEEK, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.LSEEK, a0, a1, a2, a3, a4, a5));
        // stat and its forms, all as newfstatat.
        ROWS.put(Sysno.NEWFSTATAT, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.NEWFSTATAT, a0, a1, a2, a3));
        ROWS.put(Sysno.STAT, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.NEWFSTATAT, AT_FDCWD, a0, a1, 0));
        ROWS.put(Sysno.LSTAT, (a0, a1, a2, a3, a4, a5) ->
                direct(Sysno.NEWFSTATAT, AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW));
        ROWS.put(Sysno.FSTAT, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.NEWFSTATAT, a0, 0, a1, AT_EMPTY_PATH));
        // The count is an unsigned int.
        ROWS.put(Sysno.GETDENTS64, (a0, a1, a2, a3, a4, a5) ->
                direct(Sysno.GETDENTS64, a0, a1, a2 & 0xffff_ffffL));
        ROWS.put(Sysno.READLINKAT, (a0, a1, a2, a3, a4, a5) -> readlinkat(a0, a1, a2, a3));
        ROWS.put(Sysno.READLINK, (a0, a1, a2, a3, a4, a5) -> readlinkat(AT_FDCWD, a0, a1, a2));
        ROWS.put(Sysno.FACCESSAT, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.FACCESSAT, a0, a1, a2, 0));
        ROWS.put(Sysno.FACCESSAT2, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.FACCESSAT, a0, a1, a2, a3));
        ROWS.put(Sysno.ACCESS, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.FACCESSAT, AT_FDCWD, a0, a1, 0));
        ROWS.put(Sysno.GETCWD, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.GETCWD, a0, a1));
        // A new file's mode needs the process's umask, which only the kernel knows.
        ROWS.put(Sysno.OPENAT, (a0, a1, a2, a3, a4, a5) -> openat(a0, a1, a2, a3));
        ROWS.put(Sysno.OPEN, (a0, a1, a2, a3, a4, a5) -> openat(AT_FDCWD, a0, a1, a2));
        // Writes at an offset: no pipe, so no SIGPIPE (write and writev stay in the kernel, which acts on EPIPE).
        ROWS.put(Sysno.PWRITE64, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.PWRITE64, a0, a1, a2, a3));
        ROWS.put(Sysno.FTRUNCATE, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.FTRUNCATE, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.FSYNC, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.FSYNC, a0));
        ROWS.put(Sysno.FDATASYNC, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.FSYNC, a0));
        ROWS.put(Sysno.DUP, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.DUP, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.DUP3, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.DUP3, a0, a1, a2, a3, a4, a5));
        // Names: removing, renaming, the working directory, file system statistics.
        ROWS.put(Sysno.UNLINKAT, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.UNLINKAT, a0, a1, a2));
        ROWS.put(Sysno.UNLINK, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.UNLINKAT, AT_FDCWD, a0, 0));
        ROWS.put(Sysno.RMDIR, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.UNLINKAT, AT_FDCWD, a0, Fcntl.AT_REMOVEDIR));
        ROWS.put(Sysno.RENAMEAT2, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.RENAMEAT2, a0, a1, a2, a3, a4));
        ROWS.put(Sysno.RENAMEAT, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.RENAMEAT2, a0, a1, a2, a3, 0));
        ROWS.put(Sysno.RENAME, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.RENAMEAT2, AT_FDCWD, a0, AT_FDCWD, a1, 0));
        ROWS.put(Sysno.CHDIR, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.CHDIR, a0));
        ROWS.put(Sysno.FCHDIR, (a0, a1, a2, a3, a4, a5) -> integers(Sysno.FCHDIR, a0, a1, a2, a3, a4, a5));
        ROWS.put(Sysno.STATFS, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.STATFS, a0, a1));
        ROWS.put(Sysno.FSTATFS, (a0, a1, a2, a3, a4, a5) -> direct(Sysno.FSTATFS, a0, a1));
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
     */
    public static Decision decide(long number, long a0, long a1, long a2, long a3, long a4, long a5) {
        if (number < 0 || number >= LIMIT) {
            return Decision.NOT_RUN;
        }
        Row row = Sysno.of(number).map(ROWS::get).orElse(null);
        return row == null ? Decision.NOT_RUN : row.decide(a0, a1, a2, a3, a4, a5);
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

    private static Decision openat(long dirfd, long path, long flags, long mode) {
        return (flags & NEEDS_UMASK) != 0 ? Decision.NOT_RUN : direct(Sysno.OPENAT, dirfd, path, flags, mode);
    }
}
