package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.Limits;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linux calls served by conversion in the guest kernel, checked against their classic forms, and file-system calls. */
class LinuxCallsTest {

    @TempDir
    Path tmp;

    @Test
    void statxAgreesWithStat() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("statx"));

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("size 5 mode 100644 nlink 1 same inode 1 same mtime 1\n");
        }
    }

    @Test
    void vectoredReadsAndWritesBehaveAsOnLinux() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("vectored"));

            assertThat(result.stdoutText()).isEqualTo("vectored: ok\n");
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        }
    }

    @Test
    void umaskStatfsMkfifoLocalSocketsAndRawNames() throws Exception {
        long quota = 8L << 20;
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .limits(Limits.DEFAULT.withTmpQuota(quota)).build())) {
            RunResult result = sandbox.run(Guests.guest("nodes"));

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    file-027: 100640
                    dir-027: 40750
                    umask-was: 27
                    file-0: 100666
                    tmp-bytes: %d
                    tmp-read-only: 0
                    root-read-only: 1
                    fstatfs-tmp: tmpfs
                    mkfifo: EPERM
                    unix-socket: S_IFSOCK
                    unix-bind: EACCES
                    pair-send-recv: 2 2 hi
                    pair-fionbio: EAGAIN
                    raw-names-listed: 2
                    raw-symlink: same
                    raw-cwd: same
                    """.formatted(quota));
        }
    }

    /**
     * Writable MAP_SHARED file mappings (integration-tests/guests/shared-mappings.c): writes reach
     * the file on msync, munmap, mprotect then munmap, mremap and a process's exit (a forked
     * child's), never past the file's end, and so do bytes a pread stores there; two mappings of
     * the file see each other's writes; the open mode decides as on Linux. The lines up to
     * append-fd-writable are what the program printed natively on Linux 6.x; the last two are the
     * sandbox's read-only /app (Linux gives EROFS and EACCES there too).
     */
    @Test
    void sharedFileMappingsWriteBackToTheirFiles() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("shared-mappings"), "/tmp", "/app/shared-mappings");

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    mapped: ...
                    msync: 0
                    after-msync: hello world
                    size-kept: 8292
                    msync-async: 0 async
                    mprotect: 0
                    munmap: 0
                    after-munmap: protected
                    second-sees-first: first
                    first-sees-second: second
                    both-written: first second
                    dontneed: 0 advised
                    pread-into: 5 hello
                    child-sees-parent: parent
                    child-exited: child
                    mremap-grow: grown
                    mremap-shrink: in place tail moved
                    after-shrink: short
                    read-only-fd-writable: EACCES
                    read-only-fd-readable: hello
                    read-only-fd-mprotect: EACCES
                    append-fd-writable: mapped
                    image-read-write: EROFS
                    image-writable: EACCES
                    """);
        }
    }

    /**
     * Issue 18's Linux gaps (integration-tests/guests/linux-gaps.c): /dev, eventfd (with select),
     * memfd, the id and priority calls, msync, ioctl's EBADF, FIONREAD, a pseudo-terminal from
     * openpty in raw mode and a sparse file under the default /tmp quota. The expected text is
     * what the same program printed natively on Linux 6.x, run as an unprivileged user without a
     * controlling terminal.
     */
    @Test
    void linuxGapsAnswerAsLinuxDoes() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("linux-gaps"));

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    null: write 5 read 0
                    zero: read 64 all-zero 1
                    full: write ENOSPC
                    urandom: read 32 32 differ 1
                    stat /dev/null: 20666 1,3
                    stat /dev/zero: 20666 1,5
                    stat /dev/full: 20666 1,7
                    stat /dev/random: 20666 1,8
                    stat /dev/urandom: 20666 1,9
                    stat /dev/tty: 20666 5,0
                    tty: ENXIO
                    stdout-is-link: 1
                    dev-lists: 4
                    dev-fd-pipe: x
                    dev-fd-file: hello
                    via-dev-stdout
                    eventfd-write: 8
                    eventfd-read: 8 7
                    eventfd-empty: EAGAIN
                    eventfd-short: EINVAL
                    eventfd-max: EINVAL
                    eventfd-poll-empty: in 0 out 1
                    eventfd-select-empty: 1 read 0 write 1 except 0
                    eventfd-select-wait: 0
                    eventfd-select: 2 read 1 write 1 except 0
                    eventfd-select-full: 1 read 1 write 0 except 0
                    eventfd-select-closed: EBADF
                    eventfd-semaphore: 1 1 EAGAIN
                    eventfd-across-fork: 8 5
                    memfd: ok cloexec 1
                    memfd-ftruncate: ok
                    memfd-write: 5
                    memfd-size: 4096 regular 1
                    memfd-mmap: memfd
                    setreuid-unchanged: ok
                    setregid-unchanged: ok
                    setreuid-own: ok
                    setresuid-own: ok
                    setresgid-own: ok
                    setreuid-root: EPERM
                    setregid-other: EPERM
                    getpriority: 0 ok
                    setpriority-up: ok
                    getpriority-after: 5
                    setpriority-down: EACCES
                    getpriority-bad-which: EINVAL
                    msync: ok
                    msync-async-partial-page: ok
                    msync-unaligned: EINVAL
                    msync-hole: ENOMEM
                    ioctl-bad-fd: EBADF
                    ioctl-unknown: ENOTTY
                    fionread-pipe: ok 3
                    openpty: isatty 1 1 cloexec 0
                    ptmx: chr 1 5,2
                    pts: chr 1 major 136
                    raw: ok
                    to-terminal: 5 ping
                    to-master: 5 pong
                    ptn-on-terminal: ENOTTY
                    ptn-on-file: ENOTTY
                    sparse-seek: 2147483648
                    sparse-write: 1
                    sparse-size: 2147483649
                    """);
        }
    }

    /** Issue 18: a writable MAP_NORESERVE mapping larger than guest RAM, as V8 makes, is accepted. */
    @Test
    void aNoreserveMappingLargerThanGuestRamIsAccepted() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).memorySize(256L << 20).build())) {
            RunResult result = sandbox.run(Guests.guest("linux-gaps"), "noreserve");

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("""
                    noreserve: ok
                    noreserve-touched: 42 43
                    noreserve-munmap: ok
                    """);
        }
    }

    /** A sparse file costs its blocks, but real data past the /tmp quota is still ENOSPC. */
    @Test
    void realDataPastTheTmpQuotaIsStillEnospc() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp)
                .limits(Limits.DEFAULT.withTmpQuota(8L << 20)).build())) {
            RunResult result = sandbox.run(Guests.guest("linux-gaps"), "fill");

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("fill: ENOSPC after 8 MiB\n");
        }
    }
}
