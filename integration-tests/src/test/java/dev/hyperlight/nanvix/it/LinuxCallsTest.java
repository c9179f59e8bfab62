package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.Limits;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
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
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("statx"));

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("size 5 mode 100644 nlink 1 same inode 1 same mtime 1\n");
        }
    }

    @Test
    void vectoredReadsAndWritesBehaveAsOnLinux() throws Exception {
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("vectored"));

            assertThat(result.stdoutText()).isEqualTo("vectored: ok\n");
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        }
    }

    @Test
    void umaskStatfsMkfifoLocalSocketsAndRawNames() throws Exception {
        long quota = 8L << 20;
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().tmpDirectory(tmp)
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
}
