package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.AT_SYMLINK_NOFOLLOW;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Timespec;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fchmodat and utimensat: attributes change in writable mounts only, never outside them. */
class AttributeCallsTest {

    @TempDir
    Path tmp;
    @TempDir
    Path app;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(tmp.resolve("f.txt"), "x");
        Files.writeString(app.resolve("ro.txt"), "x");
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).mount(Mount.readOnly("/app", app)));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    @Test
    void chmodSetsExactlyTheGivenPermissionBits() throws IOException {
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/tmp/f.txt"), 0640)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("f.txt"))))
                .isEqualTo("rw-r-----");
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/tmp/f.txt"), 04755)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("f.txt"))))
                .isEqualTo("rwxr-xr-x");
    }

    @Test
    void chmodRefusesReadOnlyMountsVirtualDirectoriesAndMissingFiles() {
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/app/ro.txt"), 0777)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/"), 0777)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/tmp/none"), 0777))
                .isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/tmp/../../etc/passwd"), 0777))
                .isEqualTo(err(Errno.ENOENT));
    }

    @Test
    void utimensatSetsOmitsAndNowsTimes() throws IOException {
        Path file = tmp.resolve("f.txt");
        long times = guest.words(1_000_000_000L, 5, 1_200_000_000L, 0);
        assertThat(guest.call(Sysno.UTIMENSAT, AT_FDCWD, guest.string("/tmp/f.txt"), times, 0)).isZero();
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(FileTime.from(Instant.ofEpochSecond(1_200_000_000L)));
        assertThat(Files.getAttribute(file, "lastAccessTime"))
                .isEqualTo(FileTime.from(Instant.ofEpochSecond(1_000_000_000L, 5)));

        long omitAccessNowModified = guest.words(0, Timespec.UTIME_OMIT, 0, Timespec.UTIME_NOW);
        Instant before = Instant.now().minusSeconds(1);
        assertThat(guest.call(Sysno.UTIMENSAT, AT_FDCWD, guest.string("/tmp/f.txt"), omitAccessNowModified, 0))
                .isZero();
        assertThat(Files.getLastModifiedTime(file).toInstant()).isAfter(before);
        assertThat(Files.getAttribute(file, "lastAccessTime"))
                .isEqualTo(FileTime.from(Instant.ofEpochSecond(1_000_000_000L, 5)));
    }

    @Test
    void utimensatChecksItsArguments() {
        long good = guest.words(0, Timespec.UTIME_NOW, 0, Timespec.UTIME_NOW);
        assertThat(guest.call(Sysno.UTIMENSAT, AT_FDCWD, guest.string("/app/ro.txt"), good, 0))
                .isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.UTIMENSAT, AT_FDCWD, guest.string("/tmp/f.txt"), good, 0x4000))
                .isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.UTIMENSAT, AT_FDCWD, guest.string("/tmp/f.txt"),
                guest.words(0, 1_000_000_000L, 0, 0), AT_SYMLINK_NOFOLLOW)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.UTIMENSAT, AT_FDCWD, guest.string("/tmp/f.txt"), 1L << 40, 0))
                .isEqualTo(err(Errno.EFAULT));
    }
}
