package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.FileSystemStat;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** statfs and fstatfs: a quota'd mount is as big as its quota, a read-only mount says so. */
class FileSystemCallsTest {

    private static final long QUOTA = 64 * 4096;
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;

    @TempDir
    Path tmp;
    @TempDir
    Path app;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(app.resolve("ro.txt"), "x");
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).mount(Mount.readOnly("/app", app))
                .writeQuota("/tmp", QUOTA));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    private long field(long buffer, int index) {
        return guest.ram.get(ValueLayout.JAVA_LONG_UNALIGNED, buffer + 8L * index);
    }

    @Test
    void theQuotaMountReportsItsQuotaAndWhatIsLeft() throws IOException {
        Files.write(tmp.resolve("used"), new byte[3 * 4096]);
        guest.close();
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).writeQuota("/tmp", QUOTA));
        long buffer = guest.alloc(FileSystemStat.SIZE);
        assertThat(guest.call(Sysno.STATFS, guest.string("/tmp/used"), buffer)).isZero();
        assertThat(field(buffer, 1)).as("f_bsize").isEqualTo(4096);
        assertThat(field(buffer, 2)).as("f_blocks").isEqualTo(64);
        assertThat(field(buffer, 3)).as("f_bfree").isEqualTo(61);
        assertThat(field(buffer, 4)).as("f_bavail").isEqualTo(61);
        assertThat(field(buffer, 10)).as("f_flags").isZero();
    }

    @Test
    void aReadOnlyMountHasStRdonlyAndTheHostFileSystemsSizes() throws IOException {
        long buffer = guest.alloc(FileSystemStat.SIZE);
        assertThat(guest.call(Sysno.STATFS, guest.string("/app/ro.txt"), buffer)).isZero();
        assertThat(field(buffer, 10)).as("f_flags").isEqualTo(FileSystemStat.ST_RDONLY);
        long blockSize = field(buffer, 1);
        assertThat(blockSize).isPositive();
        assertThat(field(buffer, 2) * blockSize).isEqualTo(Files.getFileStore(app).getTotalSpace() / blockSize * blockSize);
        assertThat(field(buffer, 8)).as("f_namelen").isEqualTo(255);
    }

    @Test
    void fstatfsAnswersForFilesDirectoriesAndPipes() {
        long buffer = guest.alloc(FileSystemStat.SIZE);
        long dir = guest.call(Sysno.OPENAT, AT_FDCWD, guest.string("/tmp"), O_RDONLY | O_DIRECTORY);
        assertThat(guest.call(Sysno.FSTATFS, dir, buffer)).isZero();
        assertThat(field(buffer, 2)).isEqualTo(64);
        long file = guest.call(Sysno.OPENAT, AT_FDCWD, guest.string("/app/ro.txt"), O_RDONLY);
        assertThat(guest.call(Sysno.FSTATFS, file, buffer)).isZero();
        assertThat(field(buffer, 10)).isEqualTo(FileSystemStat.ST_RDONLY);
        long root = guest.call(Sysno.OPENAT, AT_FDCWD, guest.string("/"), O_RDONLY | O_DIRECTORY);
        assertThat(guest.call(Sysno.FSTATFS, root, buffer)).isZero();
        assertThat(field(buffer, 10)).as("the directory above the mounts").isEqualTo(FileSystemStat.ST_RDONLY);
        long pipe = guest.alloc(8);
        assertThat(guest.call(Sysno.PIPE2, pipe, 0)).isZero();
        assertThat(guest.call(Sysno.FSTATFS, guest.ram.get(ValueLayout.JAVA_INT_UNALIGNED, pipe), buffer)).isZero();
        assertThat(field(buffer, 0)).as("f_type").isEqualTo(0x50495045L);
    }

    @Test
    void missingPathsAndBadFdsFail() {
        long buffer = guest.alloc(FileSystemStat.SIZE);
        assertThat(guest.call(Sysno.STATFS, guest.string("/tmp/none"), buffer)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.STATFS, guest.string("/none"), buffer)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.FSTATFS, 99, buffer)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.STATFS, guest.string("/tmp"), Guest.RAM - 8)).isEqualTo(err(Errno.EFAULT));
    }
}
