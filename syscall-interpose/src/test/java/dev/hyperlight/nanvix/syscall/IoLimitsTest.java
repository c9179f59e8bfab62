package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.io.IoLimit;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The open-file limit (EMFILE) and write quotas (ENOSPC), and that HostIo says which were reached. */
class IoLimitsTest {

    @TempDir
    Path tmp;

    private Guest guest(int maxOpenFiles, long quota) {
        return new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp")
                .maxOpenFiles(maxOpenFiles).writeQuota("/tmp", quota));
    }

    @Test
    void theOpenFileLimitIsConfigurable() {
        try (Guest guest = guest(16, 1 << 20)) {
            for (int fd = 3; fd < 16; fd++) {
                assertThat(guest.open("/tmp", O_RDONLY | O_DIRECTORY)).isEqualTo(fd);
            }
            assertThat(guest.io.limitsReached()).isEmpty();
            assertThat(guest.open("/tmp", O_RDONLY | O_DIRECTORY)).isEqualTo(err(Errno.EMFILE));
            assertThat(guest.call(Sysno.DUP3, 1, 16, 0)).isEqualTo(err(Errno.EBADF));
            assertThat(guest.io.limitsReached()).containsExactly(IoLimit.OPEN_FILES);
            assertThat(guest.call(Sysno.CLOSE, 7)).isZero();
            assertThat(guest.open("/tmp", O_RDONLY | O_DIRECTORY)).isEqualTo(7);
        }
    }

    @Test
    void writesBeyondTheQuotaAreShortThenEnospc() throws IOException {
        try (Guest guest = guest(64, 10)) {
            long fd = guest.open("/tmp/a", O_WRONLY | O_CREAT, 0600);
            assertThat(guest.write(fd, "123456")).isEqualTo(6);
            assertThat(guest.write(fd, "789abc")).as("short write up to the quota").isEqualTo(4);
            assertThat(guest.io.limitsReached()).containsExactly(IoLimit.WRITE_QUOTA);
            assertThat(guest.write(fd, "x")).isEqualTo(err(Errno.ENOSPC));
            assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("ABC"), 3, 0)).as("overwriting needs no room")
                    .isEqualTo(3);
            assertThat(guest.call(Sysno.FTRUNCATE, fd, 1 << 30)).isEqualTo(err(Errno.ENOSPC));
            assertThat(Files.readString(tmp.resolve("a"))).isEqualTo("ABC456789a");
            assertThat(guest.call(Sysno.FTRUNCATE, fd, 4)).isZero();
            assertThat(guest.call(Sysno.LSEEK, fd, 0, SEEK_END)).isEqualTo(4);
            assertThat(guest.write(fd, "xyz")).as("shrinking gave 6 bytes back").isEqualTo(3);
            assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
            assertThat(guest.call(Sysno.UNLINKAT, Guest.AT_FDCWD, guest.string("/tmp/a"), 0)).isZero();
            long again = guest.open("/tmp/b", O_WRONLY | O_CREAT, 0600);
            assertThat(guest.write(again, "0123456789")).as("removing gave it all back").isEqualTo(10);
            long truncated = guest.open("/tmp/b", O_WRONLY | O_TRUNC);
            assertThat(guest.write(truncated, "ABCDEFGHIJ")).as("O_TRUNC gave it back").isEqualTo(10);
        }
    }

    @Test
    void aFileRemovedWhileOpenKeepsItsBytesCharged() {
        try (Guest guest = guest(64, 8)) {
            long fd = guest.open("/tmp/a", O_RDWR | O_CREAT, 0600);
            assertThat(guest.write(fd, "12345678")).isEqualTo(8);
            assertThat(guest.call(Sysno.UNLINKAT, Guest.AT_FDCWD, guest.string("/tmp/a"), 0)).isZero();
            long other = guest.open("/tmp/c", O_WRONLY | O_CREAT, 0600);
            assertThat(guest.write(other, "x")).isEqualTo(err(Errno.ENOSPC));
        }
    }

    @Test
    void existingFilesCountAgainstTheQuotaAndBadConfigurationsAreRefused() throws IOException {
        Files.write(tmp.resolve("old"), new byte[5]);
        try (Guest guest = guest(64, 8)) {
            long fd = guest.open("/tmp/new", O_WRONLY | O_CREAT, 0600);
            assertThat(guest.write(fd, "123456")).isEqualTo(3);
        }
        assertThatThrownBy(() -> IoConfig.builder().mount(Mount.readOnly("/data", tmp)).writeQuota("/data", 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no writable mount");
        assertThatThrownBy(() -> IoConfig.builder().maxOpenFiles(2).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
