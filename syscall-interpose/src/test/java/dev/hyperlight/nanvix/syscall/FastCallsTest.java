package dev.hyperlight.nanvix.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Sysno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * {@link FastCalls} against the guest kernel's wrappers: the host serves a fast call from the
 * system-call door exactly as the kernel would have forwarded it. Each row below names the
 * kernel's dispatch entry (guest-kernel/src/syscalls/table.rs) and the wrapper code it reaches
 * (guest-kernel/src/syscalls/fs.rs), both read as text, and what the host makes of sample
 * arguments, written out from that code: change a wrapper and this test fails until FastCalls
 * agrees again.
 */
class FastCallsTest {

    private static final Path TABLE = Path.of("../guest-kernel/src/syscalls/table.rs");
    private static final Path FS = Path.of("../guest-kernel/src/syscalls/fs.rs");

    private static final long AT_FDCWD = Fcntl.AT_FDCWD;
    private static final long A0 = 7;
    private static final long A1 = 0x7fff_0000_1000L;
    private static final long A2 = 0x7fff_0000_2000L;
    private static final long A3 = 0x1234;
    private static final long A4 = 0xdead_0004L;
    private static final long A5 = 0xdead_0005L;

    private static final long UMASK = 027;

    /** A program with umask 027 whose fd 9 is a pipe and whose fd 10 has nothing to read yet. */
    private static final FastCalls.Program PROGRAM = new FastCalls.Program() {
        @Override
        public long umask() {
            return UMASK;
        }

        @Override
        public boolean writeCanBreakPipe(long fd) {
            return fd == 9;
        }

        @Override
        public boolean readWouldWait(long fd) {
            return fd == 10;
        }
    };

    private static final String FSTATAT = """
            fn fstatat(dirfd: u64, path: Option<u64>, statbuf: u64, flags: u64) -> i64 {
                let (path, flags) = match path {
                    Some(p) => (p, flags),
                    None => (0, flags | AT_EMPTY_PATH),
                };
                direct(forwarded::NEWFSTATAT, [dirfd, path, statbuf, flags, 0, 0])
            }""";
    private static final String READLINKAT = """
            fn readlinkat(dirfd: u64, path: u64, buf: u64, size: u64) -> i64 {
                if size as i64 <= 0 {
                    return -EINVAL;
                }
                direct(forwarded::READLINKAT, [dirfd, path, buf, size, 0, 0])
            }""";
    /** The umask is the process's: the host reads the kernel's copy in the door's page. */
    private static final String OPENAT = """
            fn openat(dirfd: u64, path: u64, flags: u64, mode: u64) -> i64 {
                let mode = if flags & O_CREAT != 0 { without_umask(mode) } else { mode };
                direct(forwarded::OPENAT, [dirfd, path, flags, mode, 0, 0])
            }""";
    private static final String RENAMEAT2 = """
            fn renameat2(old_dir: u64, old: u64, new_dir: u64, new: u64, flags: u64) -> i64 {
                direct(forwarded::RENAMEAT2, [old_dir, old, new_dir, new, flags, 0])
            }""";
    private static final String STATFS = """
            fn statfs(path: Option<u64>, fd: u64, buf: u64) -> i64 {
                match path {
                    Some(p) => direct(forwarded::STATFS, [p, buf, 0, 0, 0, 0]),
                    None => direct(forwarded::FSTATFS, [fd, buf, 0, 0, 0, 0]),
                }
            }""";
    private static final String WITHOUT_UMASK = """
            fn without_umask(mode: u64) -> u64 {
                mode & !with_process(|p| p.umask)
            }""";
    private static final String DIRECT = """
            fn direct(call: Forwarded, args: [u64; 6]) -> i64 {
                hypercall::call_user(call, args)
            }""";

    /**
     * One fast call: the kernel's dispatch entry, the wrapper code (each piece must appear verbatim
     * in fs.rs), what the host makes of (A0..A5), and whether pointers are the program's.
     */
    record Row(Sysno call, String dispatch, List<String> wrapper, SyscallRequest forwarded, boolean userAddresses) {}

    private static final List<Row> ROWS = List.of(
            new Row(Sysno.READ, "host(nr::READ, \"read\", fs::sys_read)",
                    List.of("pub fn sys_read(a: &Args) -> i64 {\n    task::park_unless_ready(a[0], POLLIN).unwrap_or_else(|| direct(forwarded::READ, [a[0], a[1], a[2], 0, 0, 0]))\n}"),
                    SyscallRequest.of(Sysno.READ, A0, A1, A2), true),
            new Row(Sysno.PREAD64, "host(nr::PREAD64, \"pread64\", fs::sys_pread64)",
                    List.of("pub fn sys_pread64(a: &Args) -> i64 {\n    direct(forwarded::PREAD64, [a[0], a[1], a[2], a[3], 0, 0])\n}"),
                    SyscallRequest.of(Sysno.PREAD64, A0, A1, A2, A3), true),
            new Row(Sysno.READV, "host(nr::READV, \"readv\", fs::sys_readv)",
                    List.of("pub fn sys_readv(a: &Args) -> i64 {\n    task::park_unless_ready(a[0], POLLIN).unwrap_or_else(|| direct(forwarded::READV, [a[0], a[1], a[2], 0, 0, 0]))\n}"),
                    SyscallRequest.of(Sysno.READV, A0, A1, A2), true),
            new Row(Sysno.PREADV, "host(nr::PREADV, \"preadv\", fs::sys_preadv)",
                    List.of("pub fn sys_preadv(a: &Args) -> i64 {\n    if (a[3] as i64) < 0 {\n        return -EINVAL;\n    }\n"
                            + "    direct(forwarded::PREADV, [a[0], a[1], a[2], a[3], 0, 0])\n}"),
                    SyscallRequest.of(Sysno.PREADV, A0, A1, A2, A3), true),
            new Row(Sysno.CLOSE, "host(nr::CLOSE, \"close\", fs::sys_close)",
                    List.of("pub fn sys_close(a: &Args) -> i64 {\n    host(forwarded::CLOSE, *a)\n}",
                            "fn host(call: Forwarded, args: [u64; 6]) -> i64 {\n    hypercall::call(call, args)\n}"),
                    SyscallRequest.of(Sysno.CLOSE, A0, A1, A2, A3, A4, A5), false),
            new Row(Sysno.LSEEK, "host(nr::LSEEK, \"lseek\", fs::sys_lseek)",
                    List.of("pub fn sys_lseek(a: &Args) -> i64 {\n    host(forwarded::LSEEK, *a)\n}"),
                    SyscallRequest.of(Sysno.LSEEK, A0, A1, A2, A3, A4, A5), false),
            new Row(Sysno.NEWFSTATAT, "host(nr::NEWFSTATAT, \"newfstatat\", fs::sys_newfstatat)",
                    List.of("pub fn sys_newfstatat(a: &Args) -> i64 {\n    fstatat(a[0], Some(a[1]), a[2], a[3])\n}", FSTATAT),
                    SyscallRequest.of(Sysno.NEWFSTATAT, A0, A1, A2, A3), true),
            new Row(Sysno.STAT, "rewritten(nr::STAT, \"stat\", \"newfstatat\", fs::sys_stat)",
                    List.of("pub fn sys_stat(a: &Args) -> i64 {\n    fstatat(AT_FDCWD, Some(a[0]), a[1], 0)\n}", FSTATAT),
                    SyscallRequest.of(Sysno.NEWFSTATAT, AT_FDCWD, A0, A1, 0), true),
            new Row(Sysno.LSTAT, "rewritten(nr::LSTAT, \"lstat\", \"newfstatat(AT_SYMLINK_NOFOLLOW)\", fs::sys_lstat)",
                    List.of("pub fn sys_lstat(a: &Args) -> i64 {\n    fstatat(AT_FDCWD, Some(a[0]), a[1], AT_SYMLINK_NOFOLLOW)\n}", FSTATAT),
                    SyscallRequest.of(Sysno.NEWFSTATAT, AT_FDCWD, A0, A1, Fcntl.AT_SYMLINK_NOFOLLOW), true),
            new Row(Sysno.FSTAT, "rewritten(nr::FSTAT, \"fstat\", \"newfstatat(AT_EMPTY_PATH)\", fs::sys_fstat)",
                    List.of("pub fn sys_fstat(a: &Args) -> i64 {\n    fstatat(a[0], None, a[1], AT_EMPTY_PATH)\n}", FSTATAT),
                    SyscallRequest.of(Sysno.NEWFSTATAT, A0, 0, A1, Fcntl.AT_EMPTY_PATH), true),
            new Row(Sysno.GETDENTS64, "host(nr::GETDENTS64, \"getdents64\", fs::sys_getdents64)",
                    List.of("    direct(forwarded::GETDENTS64, [a[0], a[1], a[2] & 0xffff_ffff, 0, 0, 0])"),
                    SyscallRequest.of(Sysno.GETDENTS64, A0, A1, A2 & 0xffff_ffffL), true),
            new Row(Sysno.READLINKAT, "host(nr::READLINKAT, \"readlinkat\", fs::sys_readlinkat)",
                    List.of("pub fn sys_readlinkat(a: &Args) -> i64 {\n    readlinkat(a[0], a[1], a[2], a[3])\n}", READLINKAT),
                    SyscallRequest.of(Sysno.READLINKAT, A0, A1, A2, A3), true),
            new Row(Sysno.READLINK, "rewritten(nr::READLINK, \"readlink\", \"readlinkat\", fs::sys_readlink)",
                    List.of("pub fn sys_readlink(a: &Args) -> i64 {\n    readlinkat(AT_FDCWD, a[0], a[1], a[2])\n}", READLINKAT),
                    SyscallRequest.of(Sysno.READLINKAT, AT_FDCWD, A0, A1, A2), true),
            new Row(Sysno.FACCESSAT, "host(nr::FACCESSAT, \"faccessat\", fs::sys_faccessat)",
                    List.of("pub fn sys_faccessat(a: &Args) -> i64 {\n    let (dirfd, mode) = (a[0], a[2]);\n"
                            + "    direct(forwarded::FACCESSAT, [dirfd, a[1], mode, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.FACCESSAT, A0, A1, A2, 0), true),
            new Row(Sysno.FACCESSAT2, "rewritten(nr::FACCESSAT2, \"faccessat2\", \"faccessat (flags in args[3])\", fs::sys_faccessat2)",
                    List.of("pub fn sys_faccessat2(a: &Args) -> i64 {\n    let (dirfd, mode, flags) = (a[0], a[2], a[3]);\n"
                            + "    direct(forwarded::FACCESSAT, [dirfd, a[1], mode, flags, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.FACCESSAT, A0, A1, A2, A3), true),
            new Row(Sysno.ACCESS, "rewritten(nr::ACCESS, \"access\", \"faccessat\", fs::sys_access)",
                    List.of("pub fn sys_access(a: &Args) -> i64 {\n    let mode = a[1];\n"
                            + "    direct(forwarded::FACCESSAT, [AT_FDCWD, a[0], mode, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.FACCESSAT, AT_FDCWD, A0, A1, 0), true),
            new Row(Sysno.GETCWD, "host(nr::GETCWD, \"getcwd\", fs::sys_getcwd)",
                    List.of("pub fn sys_getcwd(a: &Args) -> i64 {\n    direct(forwarded::GETCWD, [a[0], a[1], 0, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.GETCWD, A0, A1), true),
            new Row(Sysno.OPENAT, "host(nr::OPENAT, \"openat\", fs::sys_openat)",
                    List.of("pub fn sys_openat(a: &Args) -> i64 {\n    openat(a[0], a[1], a[2], a[3])\n}", OPENAT),
                    SyscallRequest.of(Sysno.OPENAT, A0, A1, A2, A3), true),
            new Row(Sysno.OPEN, "rewritten(nr::OPEN, \"open\", \"openat\", fs::sys_open)",
                    List.of("pub fn sys_open(a: &Args) -> i64 {\n    openat(AT_FDCWD, a[0], a[1], a[2])\n}", OPENAT),
                    SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, A0, A1, A2), true),
            new Row(Sysno.CREAT, "rewritten(nr::CREAT, \"creat\", \"openat\", fs::sys_creat)",
                    List.of("pub fn sys_creat(a: &Args) -> i64 {\n    openat(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1])\n}",
                            OPENAT, WITHOUT_UMASK),
                    SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, A0, Fcntl.O_CREAT | Fcntl.O_WRONLY | Fcntl.O_TRUNC, A1 & ~UMASK), true),
            new Row(Sysno.MKDIRAT, "host(nr::MKDIRAT, \"mkdirat\", fs::sys_mkdirat)",
                    List.of("pub fn sys_mkdirat(a: &Args) -> i64 {\n    let (dirfd, mode) = (a[0], without_umask(a[2]));\n"
                            + "    direct(forwarded::MKDIRAT, [dirfd, a[1], mode, 0, 0, 0])\n}", WITHOUT_UMASK),
                    SyscallRequest.of(Sysno.MKDIRAT, A0, A1, A2 & ~UMASK), true),
            new Row(Sysno.MKDIR, "rewritten(nr::MKDIR, \"mkdir\", \"mkdirat\", fs::sys_mkdir)",
                    List.of("pub fn sys_mkdir(a: &Args) -> i64 {\n    let mode = without_umask(a[1]);\n"
                            + "    direct(forwarded::MKDIRAT, [AT_FDCWD, a[0], mode, 0, 0, 0])\n}", WITHOUT_UMASK),
                    SyscallRequest.of(Sysno.MKDIRAT, AT_FDCWD, A0, A1 & ~UMASK), true),
            new Row(Sysno.WRITE, "host(nr::WRITE, \"write\", fs::sys_write)",
                    List.of("pub fn sys_write(a: &Args) -> i64 {\n    task::park_unless_ready(a[0], POLLOUT)\n        .unwrap_or_else(|| signal::sigpipe(direct(forwarded::WRITE, [a[0], a[1], a[2], 0, 0, 0])))\n}"),
                    SyscallRequest.of(Sysno.WRITE, A0, A1, A2), true),
            new Row(Sysno.WRITEV, "host(nr::WRITEV, \"writev\", fs::sys_writev)",
                    List.of("pub fn sys_writev(a: &Args) -> i64 {\n    task::park_unless_ready(a[0], POLLOUT)\n        .unwrap_or_else(|| signal::sigpipe(direct(forwarded::WRITEV, [a[0], a[1], a[2], 0, 0, 0])))\n}"),
                    SyscallRequest.of(Sysno.WRITEV, A0, A1, A2), true),
            new Row(Sysno.PWRITEV, "host(nr::PWRITEV, \"pwritev\", fs::sys_pwritev)",
                    List.of("pub fn sys_pwritev(a: &Args) -> i64 {\n    if (a[3] as i64) < 0 {\n        return -EINVAL;\n    }\n"
                            + "    signal::sigpipe(direct(forwarded::PWRITEV, [a[0], a[1], a[2], a[3], 0, 0]))\n}"),
                    SyscallRequest.of(Sysno.PWRITEV, A0, A1, A2, A3), true),
            new Row(Sysno.IOCTL, "host(nr::IOCTL, \"ioctl\", fs::sys_ioctl)",
                    List.of("pub fn sys_ioctl(a: &Args) -> i64 {\n    direct(forwarded::IOCTL, [a[0], a[1] & 0xffff_ffff, a[2], 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.IOCTL, A0, A1 & 0xffff_ffffL, A2), true),
            new Row(Sysno.PWRITE64, "host(nr::PWRITE64, \"pwrite64\", fs::sys_pwrite64)",
                    List.of("pub fn sys_pwrite64(a: &Args) -> i64 {\n    direct(forwarded::PWRITE64, [a[0], a[1], a[2], a[3], 0, 0])\n}"),
                    SyscallRequest.of(Sysno.PWRITE64, A0, A1, A2, A3), true),
            new Row(Sysno.FTRUNCATE, "host(nr::FTRUNCATE, \"ftruncate\", fs::sys_ftruncate)",
                    List.of("pub fn sys_ftruncate(a: &Args) -> i64 {\n    host(forwarded::FTRUNCATE, *a)\n}"),
                    SyscallRequest.of(Sysno.FTRUNCATE, A0, A1, A2, A3, A4, A5), false),
            new Row(Sysno.FSYNC, "host(nr::FSYNC, \"fsync\", fs::sys_fsync)",
                    List.of("pub fn sys_fsync(a: &Args) -> i64 {\n    host(forwarded::FSYNC, [a[0], 0, 0, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.FSYNC, A0), false),
            new Row(Sysno.FDATASYNC, "rewritten(nr::FDATASYNC, \"fdatasync\", \"fsync\", fs::sys_fsync)",
                    List.of("pub fn sys_fsync(a: &Args) -> i64 {\n    host(forwarded::FSYNC, [a[0], 0, 0, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.FSYNC, A0), false),
            new Row(Sysno.DUP, "host(nr::DUP, \"dup\", fs::sys_dup)",
                    List.of("pub fn sys_dup(a: &Args) -> i64 {\n    host(forwarded::DUP, *a)\n}"),
                    SyscallRequest.of(Sysno.DUP, A0, A1, A2, A3, A4, A5), false),
            new Row(Sysno.DUP3, "host(nr::DUP3, \"dup3\", fs::sys_dup3)",
                    List.of("pub fn sys_dup3(a: &Args) -> i64 {\n    host(forwarded::DUP3, *a)\n}"),
                    SyscallRequest.of(Sysno.DUP3, A0, A1, A2, A3, A4, A5), false),
            new Row(Sysno.UNLINKAT, "host(nr::UNLINKAT, \"unlinkat\", fs::sys_unlinkat)",
                    List.of("pub fn sys_unlinkat(a: &Args) -> i64 {\n    let (dirfd, flags) = (a[0], a[2]);\n"
                            + "    direct(forwarded::UNLINKAT, [dirfd, a[1], flags, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.UNLINKAT, A0, A1, A2), true),
            new Row(Sysno.UNLINK, "rewritten(nr::UNLINK, \"unlink\", \"unlinkat\", fs::sys_unlink)",
                    List.of("pub fn sys_unlink(a: &Args) -> i64 {\n    direct(forwarded::UNLINKAT, [AT_FDCWD, a[0], 0, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.UNLINKAT, AT_FDCWD, A0, 0), true),
            new Row(Sysno.RMDIR, "rewritten(nr::RMDIR, \"rmdir\", \"unlinkat(AT_REMOVEDIR)\", fs::sys_rmdir)",
                    List.of("pub fn sys_rmdir(a: &Args) -> i64 {\n    direct(forwarded::UNLINKAT, [AT_FDCWD, a[0], AT_REMOVEDIR, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.UNLINKAT, AT_FDCWD, A0, Fcntl.AT_REMOVEDIR), true),
            new Row(Sysno.RENAMEAT2, "host(nr::RENAMEAT2, \"renameat2\", fs::sys_renameat2)",
                    List.of("pub fn sys_renameat2(a: &Args) -> i64 {\n    renameat2(a[0], a[1], a[2], a[3], a[4])\n}", RENAMEAT2),
                    SyscallRequest.of(Sysno.RENAMEAT2, A0, A1, A2, A3, A4), true),
            new Row(Sysno.RENAMEAT, "rewritten(nr::RENAMEAT, \"renameat\", \"renameat2\", fs::sys_renameat)",
                    List.of("pub fn sys_renameat(a: &Args) -> i64 {\n    renameat2(a[0], a[1], a[2], a[3], 0)\n}", RENAMEAT2),
                    SyscallRequest.of(Sysno.RENAMEAT2, A0, A1, A2, A3, 0), true),
            new Row(Sysno.RENAME, "rewritten(nr::RENAME, \"rename\", \"renameat2\", fs::sys_rename)",
                    List.of("pub fn sys_rename(a: &Args) -> i64 {\n    renameat2(AT_FDCWD, a[0], AT_FDCWD, a[1], 0)\n}", RENAMEAT2),
                    SyscallRequest.of(Sysno.RENAMEAT2, AT_FDCWD, A0, AT_FDCWD, A1, 0), true),
            new Row(Sysno.CHDIR, "host(nr::CHDIR, \"chdir\", fs::sys_chdir)",
                    List.of("pub fn sys_chdir(a: &Args) -> i64 {\n    direct(forwarded::CHDIR, [a[0], 0, 0, 0, 0, 0])\n}"),
                    SyscallRequest.of(Sysno.CHDIR, A0), true),
            new Row(Sysno.FCHDIR, "host(nr::FCHDIR, \"fchdir\", fs::sys_fchdir)",
                    List.of("pub fn sys_fchdir(a: &Args) -> i64 {\n    host(forwarded::FCHDIR, *a)\n}"),
                    SyscallRequest.of(Sysno.FCHDIR, A0, A1, A2, A3, A4, A5), false),
            new Row(Sysno.STATFS, "host(nr::STATFS, \"statfs\", fs::sys_statfs)",
                    List.of("pub fn sys_statfs(a: &Args) -> i64 {\n    statfs(Some(a[0]), 0, a[1])\n}", STATFS),
                    SyscallRequest.of(Sysno.STATFS, A0, A1), true),
            new Row(Sysno.FSTATFS, "host(nr::FSTATFS, \"fstatfs\", fs::sys_fstatfs)",
                    List.of("pub fn sys_fstatfs(a: &Args) -> i64 {\n    statfs(None, a[0], a[1])\n}", STATFS),
                    SyscallRequest.of(Sysno.FSTATFS, A0, A1), true));

    @Test
    void everyFastCallIsARowHere() {
        assertThat(FastCalls.calls()).containsExactlyInAnyOrderElementsOf(ROWS.stream().map(Row::call).toList());
    }

    @Test
    void eachRowReadsTheKernelsDispatchAndWrapperAsTheyAre() throws IOException {
        String table = Files.readString(TABLE);
        String fs = Files.readString(FS);
        assertThat(fs).contains(DIRECT);
        for (Row row : ROWS) {
            assertThat(table).as("dispatch of %s", row.call()).contains(row.dispatch());
            for (String code : row.wrapper()) {
                assertThat(fs).as("wrapper of %s", row.call()).contains(code);
            }
            assertThat(row.userAddresses()).as("direct or host").isEqualTo(row.wrapper().stream()
                    .anyMatch(code -> code.contains("direct(")));
        }
    }

    @Test
    void theHostForwardsWhatTheWrapperWould() {
        assertThat((A1 | A2) & Fcntl.O_CREAT).as("the samples' open flags make no new file").isZero();
        for (Row row : ROWS) {
            assertThat(FastCalls.decide(row.call().number(), A0, A1, A2, A3, A4, A5, PROGRAM)).as("%s", row.call())
                    .isEqualTo(new FastCalls.Decision.Forward(row.forwarded(), row.userAddresses()));
        }
    }

    @Test
    void whatTheWrapperAnswersItselfTheHostAnswersToo() {
        long einval = -Errno.EINVAL.code();
        assertThat(FastCalls.decide(Sysno.PREADV.number(), 3, A1, 1, -1, 0, 0, PROGRAM)).isEqualTo(new FastCalls.Decision.Answer(einval));
        assertThat(FastCalls.decide(Sysno.READLINKAT.number(), 3, A1, A2, 0, 0, 0, PROGRAM)).isEqualTo(new FastCalls.Decision.Answer(einval));
        assertThat(FastCalls.decide(Sysno.READLINKAT.number(), 3, A1, A2, -5, 0, 0, PROGRAM)).isEqualTo(new FastCalls.Decision.Answer(einval));
        assertThat(FastCalls.decide(Sysno.READLINK.number(), A1, A2, 0, 0, 0, 0, PROGRAM)).isEqualTo(new FastCalls.Decision.Answer(einval));
        assertThat(FastCalls.decide(Sysno.PWRITEV.number(), 9, A1, 1, -1, 0, 0, PROGRAM)).isEqualTo(new FastCalls.Decision.Answer(einval));
    }

    /** A new file's or directory's mode loses the umask, as the wrapper's {@code without_umask} does; O_TMPFILE alone keeps it. */
    @Test
    void aNewFilesModeLosesTheUmask() {
        for (long flags : new long[] {Fcntl.O_CREAT, Fcntl.O_CREAT | 1, Fcntl.O_CREAT | Fcntl.O_TMPFILE_BIT}) {
            assertThat(FastCalls.decide(Sysno.OPENAT.number(), AT_FDCWD, A1, flags, 0666, 0, 0, PROGRAM))
                    .isEqualTo(new FastCalls.Decision.Forward(SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, A1, flags, 0640), true));
            assertThat(FastCalls.decide(Sysno.OPEN.number(), A1, flags, 0777, 0, 0, 0, PROGRAM))
                    .isEqualTo(new FastCalls.Decision.Forward(SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, A1, flags, 0750), true));
        }
        long tmpfile = Fcntl.O_TMPFILE_BIT | 0200000 | 2;
        assertThat(FastCalls.decide(Sysno.OPENAT.number(), AT_FDCWD, A1, tmpfile, 0666, 0, 0, PROGRAM))
                .isEqualTo(new FastCalls.Decision.Forward(SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, A1, tmpfile, 0666), true));
        FastCalls.Program strange = new FastCalls.Program() {
            @Override
            public long umask() {
                return -1; // whatever the door's page holds, only the permission bits count
            }

            @Override
            public boolean writeCanBreakPipe(long fd) {
                return false;
            }

            @Override
            public boolean readWouldWait(long fd) {
                return false;
            }
        };
        assertThat(FastCalls.decide(Sysno.MKDIR.number(), A1, 01777, 0, 0, 0, 0, strange))
                .isEqualTo(new FastCalls.Decision.Forward(SyscallRequest.of(Sysno.MKDIRAT, AT_FDCWD, A1, 01000), true));
    }

    /** A write that can meet EPIPE is the kernel's, which raises SIGPIPE; at an offset (pwrite64) it cannot. */
    @Test
    void writesToAPipeAreTheKernels() {
        for (Sysno call : List.of(Sysno.WRITE, Sysno.WRITEV, Sysno.PWRITEV)) {
            assertThat(FastCalls.decide(call.number(), 9, A1, A2, 0, 0, 0, PROGRAM)).as("%s", call)
                    .isEqualTo(FastCalls.Decision.NOT_RUN);
            assertThat(FastCalls.decide(call.number(), 8, A1, A2, 0, 0, 0, PROGRAM)).as("%s", call)
                    .isInstanceOf(FastCalls.Decision.Forward.class);
        }
        assertThat(FastCalls.decide(Sysno.PWRITE64.number(), 9, A1, A2, 0, 0, 0, PROGRAM))
                .isInstanceOf(FastCalls.Decision.Forward.class);
    }

    /** A read that would wait is the kernel's, which parks the thread so that others run meanwhile. */
    @Test
    void readsThatWouldWaitAreTheKernels() {
        for (Sysno call : List.of(Sysno.READ, Sysno.READV)) {
            assertThat(FastCalls.decide(call.number(), 10, A1, A2, 0, 0, 0, PROGRAM)).as("%s", call)
                    .isEqualTo(FastCalls.Decision.NOT_RUN);
            assertThat(FastCalls.decide(call.number(), 9, A1, A2, 0, 0, 0, PROGRAM)).as("%s", call)
                    .isInstanceOf(FastCalls.Decision.Forward.class);
        }
    }

    @Test
    void theBitmapHasABitForEachFastCallAndNoOther() {
        long[] words = FastCalls.bitmap();
        assertThat(words).hasSize(FastCalls.LIMIT / 64);
        Set<Integer> set = new java.util.TreeSet<>();
        for (int n = 0; n < FastCalls.LIMIT; n++) {
            if ((words[n / 64] >>> (n % 64) & 1) != 0) {
                set.add(n);
            }
        }
        assertThat(set).isEqualTo(FastCalls.calls().stream().map(Sysno::number).collect(Collectors.toCollection(java.util.TreeSet::new)));
    }

    /** Any registers a program may ring the door with: a decision, never an exception; only forwarded calls go on. */
    @Property(tries = 2000)
    void anyRegistersGiveADecisionForAForwardedCall(@ForAll long number, @ForAll long a0, @ForAll long a1,
            @ForAll long a2, @ForAll long a3, @ForAll long a4, @ForAll long a5) {
        for (long nr : new long[] {number, Math.floorMod(number, FastCalls.LIMIT)}) {
            FastCalls.Decision decision = FastCalls.decide(nr, a0, a1, a2, a3, a4, a5, PROGRAM);
            if (decision instanceof FastCalls.Decision.Forward forward) {
                assertThat(Syscall.FORWARDED.stream().map(call -> (long) call.sysno().number()))
                        .contains(forward.request().number());
            } else if (decision instanceof FastCalls.Decision.Answer answer) {
                assertThat(answer.result()).isEqualTo(-Errno.EINVAL.code());
            }
        }
    }
}
