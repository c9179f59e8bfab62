package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open files: openat flags, transfers, offsets, descriptors, stat, through the syscall table. */
class FileCallsTest {

    @TempDir
    Path tmp;
    @TempDir
    Path app;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(app.resolve("data.txt"), "0123456789");
        guest = new Guest(IoConfig.builder()
                .mount(Mount.writable("/tmp", tmp))
                .mount(Mount.readOnly("/app", app))
                .workingDirectory("/tmp"));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    @Test
    void createWriteSeekAndReadBack() throws IOException {
        long fd = guest.open("/tmp/out.txt", O_CREAT | O_RDWR, 0644);
        assertThat(fd).isEqualTo(3);
        assertThat(guest.write(fd, "hello world")).isEqualTo(11);
        assertThat(guest.call(Sysno.LSEEK, fd, 6, SEEK_SET)).isEqualTo(6);
        assertThat(guest.read(fd, 100)).isEqualTo("world");
        assertThat(guest.read(fd, 100)).isEmpty();
        assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
        assertThat(Files.readString(tmp.resolve("out.txt"))).isEqualTo("hello world");
    }

    @Test
    void relativePathsStartAtTheWorkingDirectory() throws IOException {
        long fd = guest.open("rel.txt", O_CREAT | O_WRONLY, 0600);
        guest.write(fd, "x");
        assertThat(tmp.resolve("rel.txt")).hasContent("x");
    }

    @Test
    void newFilesGetExactlyTheModeTheGuestKernelPasses() throws IOException {
        // The guest kernel takes its process's umask out before forwarding (syscalls/fs.rs without_umask).
        guest.call(Sysno.CLOSE, guest.open("/tmp/m", O_CREAT | O_WRONLY, 0777));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("m"))))
                .isEqualTo("rwxrwxrwx");
        guest.call(Sysno.CLOSE, guest.open("/tmp/n", O_CREAT | O_WRONLY, 0600));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("n"))))
                .isEqualTo("rw-------");
    }

    @Test
    void aFileCreatedWithoutWritePermissionIsStillWritableThroughItsFd() {
        long fd = guest.open("/tmp/ro", O_CREAT | O_WRONLY, 0444);
        assertThat(guest.write(fd, "abc")).isEqualTo(3);
    }

    @Test
    void openFlagErrors() {
        assertThat(guest.open("/tmp/missing", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/app/data.txt", O_CREAT | O_EXCL | O_WRONLY, 0644)).isEqualTo(err(Errno.EEXIST));
        assertThat(guest.open("/app/data.txt", O_RDONLY | O_DIRECTORY)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.open("/tmp", O_WRONLY)).isEqualTo(err(Errno.EISDIR));
        assertThat(guest.open("/tmp", O_RDONLY | O_CREAT, 0644)).isEqualTo(err(Errno.EISDIR));
        assertThat(guest.open("/tmp/new/", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.EISDIR));
        assertThat(guest.open("/tmp/x", O_ACCMODE)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.open("/tmp/x", O_CREAT | O_DIRECTORY, 0644)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.open("/app/data.txt/x", O_RDONLY)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.open("/app/data.txt/", O_RDONLY)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.open("", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
    }

    @Test
    void exclusiveCreateSucceedsOnceThenFails() {
        assertThat(guest.open("/tmp/once", O_CREAT | O_EXCL | O_WRONLY, 0644)).isGreaterThanOrEqualTo(3);
        assertThat(guest.open("/tmp/once", O_CREAT | O_EXCL | O_WRONLY, 0644)).isEqualTo(err(Errno.EEXIST));
        assertThat(guest.open("/tmp/once", O_CREAT | O_WRONLY, 0644)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void readOnlyMountRefusesWriteAccessButAllowsReading() {
        assertThat(guest.open("/app/data.txt", O_WRONLY)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/app/data.txt", O_RDWR)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/app/data.txt", O_RDONLY | O_TRUNC)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/app/new.txt", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.EROFS));
        long fd = guest.open("/app/data.txt", O_RDONLY | O_CREAT, 0644);
        assertThat(guest.read(fd, 4)).isEqualTo("0123");
    }

    @Test
    void truncateOnOpenEmptiesTheFile() throws IOException {
        Files.writeString(tmp.resolve("t"), "old content");
        long fd = guest.open("/tmp/t", O_WRONLY | O_TRUNC);
        assertThat(Files.size(tmp.resolve("t"))).isZero();
        guest.write(fd, "new");
        assertThat(tmp.resolve("t")).hasContent("new");
    }

    @Test
    void appendWritesGoToTheEndEvenAfterSeekingAndForPwrite() throws IOException {
        Files.writeString(tmp.resolve("log"), "one\n");
        long fd = guest.open("/tmp/log", O_WRONLY | O_APPEND);
        guest.call(Sysno.LSEEK, fd, 0, SEEK_SET);
        guest.write(fd, "two\n");
        guest.call(Sysno.PWRITE64, fd, guest.bytes("three\n"), 6, 0);
        assertThat(tmp.resolve("log")).hasContent("one\ntwo\nthree\n");
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFL) & O_APPEND).isEqualTo(O_APPEND);
    }

    @Test
    void appendCanBeSwitchedWithSetfl() throws IOException {
        long fd = guest.open("/tmp/f", O_CREAT | O_RDWR, 0644);
        guest.write(fd, "abcdef");
        guest.call(Sysno.LSEEK, fd, 0, SEEK_SET);
        assertThat(guest.call(Sysno.FCNTL, fd, F_SETFL, O_APPEND | O_NONBLOCK)).isZero();
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFL) & (O_APPEND | O_NONBLOCK | O_ACCMODE))
                .isEqualTo(O_APPEND | O_NONBLOCK | O_RDWR);
        guest.write(fd, "X");
        guest.call(Sysno.FCNTL, fd, F_SETFL, 0);
        guest.call(Sysno.LSEEK, fd, 0, SEEK_SET);
        guest.write(fd, "Y");
        assertThat(tmp.resolve("f")).hasContent("YbcdefX");
    }

    @Test
    void wrongDirectionIoIsEbadf() {
        long readOnly = guest.open("/app/data.txt", O_RDONLY);
        assertThat(guest.write(readOnly, "x")).isEqualTo(err(Errno.EBADF));
        long writeOnly = guest.open("/tmp/w", O_CREAT | O_WRONLY, 0644);
        assertThat(guest.call(Sysno.READ, writeOnly, guest.alloc(4), 4)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.PREAD64, writeOnly, guest.alloc(4), 4, 0)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.READ, 99, guest.alloc(4), 4)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.READ, -1, guest.alloc(4), 4)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void preadAndPwriteLeaveTheOffsetAlone() {
        long fd = guest.open("/tmp/p", O_CREAT | O_RDWR, 0644);
        guest.write(fd, "abcdef");
        long buffer = guest.alloc(3);
        assertThat(guest.call(Sysno.PREAD64, fd, buffer, 3, 1)).isEqualTo(3);
        assertThat(guest.text(buffer, 3)).isEqualTo("bcd");
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("Z"), 1, 0)).isEqualTo(1);
        assertThat(guest.call(Sysno.LSEEK, fd, 0, SEEK_CUR)).isEqualTo(6);
        assertThat(guest.call(Sysno.PREAD64, fd, buffer, 3, -1)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.PREAD64, fd, buffer, 3, 100)).isZero();
    }

    @Test
    void writingPastTheEndFillsTheGapWithZeros() throws IOException {
        long fd = guest.open("/tmp/gap", O_CREAT | O_RDWR, 0644);
        guest.call(Sysno.LSEEK, fd, 4, SEEK_SET);
        guest.write(fd, "x");
        assertThat(Files.readAllBytes(tmp.resolve("gap"))).containsExactly(0, 0, 0, 0, 'x');
    }

    @Test
    void lseekWhenceAndErrors() {
        long fd = guest.open("/app/data.txt", O_RDONLY);
        assertThat(guest.call(Sysno.LSEEK, fd, -3, SEEK_END)).isEqualTo(7);
        assertThat(guest.read(fd, 10)).isEqualTo("789");
        assertThat(guest.call(Sysno.LSEEK, fd, -2, SEEK_CUR)).isEqualTo(8);
        assertThat(guest.call(Sysno.LSEEK, fd, 100, SEEK_SET)).isEqualTo(100);
        assertThat(guest.call(Sysno.LSEEK, fd, -1, SEEK_SET)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.LSEEK, fd, -200, SEEK_CUR)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.LSEEK, fd, Long.MAX_VALUE, SEEK_END)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.LSEEK, fd, 0, 7)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.LSEEK, fd, 3, SEEK_DATA)).isEqualTo(3);
        assertThat(guest.call(Sysno.LSEEK, fd, 3, SEEK_HOLE)).isEqualTo(10);
        assertThat(guest.call(Sysno.LSEEK, fd, 10, SEEK_DATA)).isEqualTo(err(Errno.ENXIO));
        assertThat(guest.call(Sysno.LSEEK, fd, 100, SEEK_SET)).isEqualTo(100);
        assertThat(guest.read(fd, 4)).isEmpty();
        assertThat(guest.call(Sysno.LSEEK, 1, 0, SEEK_CUR)).isEqualTo(err(Errno.ESPIPE));
        assertThat(guest.call(Sysno.LSEEK, 0, 0, SEEK_SET)).isEqualTo(err(Errno.ESPIPE));
        assertThat(guest.call(Sysno.LSEEK, 42, 0, SEEK_SET)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void fdsAreTheLowestFreeNumbers() {
        long a = guest.open("/app/data.txt", O_RDONLY);
        long b = guest.open("/app/data.txt", O_RDONLY);
        long c = guest.open("/app/data.txt", O_RDONLY);
        assertThat(new long[] {a, b, c}).containsExactly(3, 4, 5);
        guest.call(Sysno.CLOSE, b);
        assertThat(guest.open("/app/data.txt", O_RDONLY)).isEqualTo(4);
        assertThat(guest.call(Sysno.CLOSE, b)).isZero();
        assertThat(guest.call(Sysno.CLOSE, b)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.CLOSE, 5000)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void theTableHoldsAtMost1024Fds() {
        long last = 0;
        for (int i = 3; i < 1024; i++) {
            last = guest.open("/app/data.txt", O_RDONLY);
        }
        assertThat(last).isEqualTo(1023);
        assertThat(guest.open("/app/data.txt", O_RDONLY)).isEqualTo(err(Errno.EMFILE));
        assertThat(guest.open("/tmp/not-created", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.EMFILE));
        assertThat(tmp.resolve("not-created")).doesNotExist();
        assertThat(guest.call(Sysno.DUP, 3)).isEqualTo(err(Errno.EMFILE));
        guest.call(Sysno.CLOSE, 500);
        assertThat(guest.call(Sysno.DUP, 3)).isEqualTo(500);
    }

    @Test
    void dupSharesTheOffsetButNotCloseOnExec() {
        long fd = guest.open("/app/data.txt", O_RDONLY | O_CLOEXEC);
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFD)).isEqualTo(FD_CLOEXEC);
        long copy = guest.call(Sysno.DUP, fd);
        assertThat(copy).isEqualTo(fd + 1);
        assertThat(guest.call(Sysno.FCNTL, copy, F_GETFD)).isZero();
        assertThat(guest.read(fd, 3)).isEqualTo("012");
        assertThat(guest.read(copy, 3)).isEqualTo("345");
        guest.call(Sysno.CLOSE, fd);
        assertThat(guest.read(copy, 3)).isEqualTo("678");
    }

    @Test
    void dup3ReplacesTheTargetAndChecksItsArguments() {
        long fd = guest.open("/app/data.txt", O_RDONLY);
        long other = guest.open("/tmp/other", O_CREAT | O_RDWR, 0644);
        assertThat(guest.call(Sysno.DUP3, fd, other, O_CLOEXEC)).isEqualTo(other);
        assertThat(guest.read(other, 2)).isEqualTo("01");
        assertThat(guest.call(Sysno.FCNTL, other, F_GETFD)).isEqualTo(FD_CLOEXEC);
        assertThat(guest.call(Sysno.DUP3, fd, 100, 0)).isEqualTo(100);
        assertThat(guest.call(Sysno.DUP3, fd, fd, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.DUP3, fd, 7, O_APPEND)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.DUP3, fd, 1024, 0)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.DUP3, fd, -1, 0)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.DUP3, 77, 8, 0)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void dup3OntoAConsoleFdRedirectsIt() throws IOException {
        long fd = guest.open("/tmp/captured", O_CREAT | O_WRONLY, 0644);
        assertThat(guest.call(Sysno.DUP3, fd, 1, 0)).isEqualTo(1);
        guest.write(1, "to the file");
        assertThat(tmp.resolve("captured")).hasContent("to the file");
        assertThat(guest.stdout.size()).isZero();
    }

    @Test
    void fcntlDuplicatesAndFlags() {
        long fd = guest.open("/app/data.txt", O_RDONLY);
        assertThat(guest.call(Sysno.FCNTL, fd, F_DUPFD, 10)).isEqualTo(10);
        assertThat(guest.call(Sysno.FCNTL, fd, F_DUPFD, 10)).isEqualTo(11);
        assertThat(guest.call(Sysno.FCNTL, fd, F_DUPFD_CLOEXEC, 0)).isEqualTo(4);
        assertThat(guest.call(Sysno.FCNTL, 4, F_GETFD)).isEqualTo(FD_CLOEXEC);
        assertThat(guest.call(Sysno.FCNTL, 4, F_SETFD, 0)).isZero();
        assertThat(guest.call(Sysno.FCNTL, 4, F_GETFD)).isZero();
        assertThat(guest.call(Sysno.FCNTL, 4, F_SETFD, FD_CLOEXEC)).isZero();
        assertThat(guest.call(Sysno.FCNTL, 4, F_GETFD)).isEqualTo(FD_CLOEXEC);
        assertThat(guest.call(Sysno.FCNTL, fd, F_DUPFD, 1024)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.FCNTL, fd, F_DUPFD, -1)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.FCNTL, fd, 9999, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.FCNTL, 300, F_GETFD)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFL) & O_ACCMODE).isEqualTo(O_RDONLY);
        assertThat(guest.call(Sysno.FCNTL, 1, F_GETFL) & O_ACCMODE).isEqualTo(O_WRONLY);
    }

    @Test
    void ioctlOnFilesAndConsoleIsNotATerminal() {
        long tcgets = 0x5401;
        long tiocgwinsz = 0x5413;
        long fd = guest.open("/app/data.txt", O_RDONLY);
        assertThat(guest.call(Sysno.IOCTL, fd, tcgets, guest.alloc(64))).isEqualTo(err(Errno.ENOTTY));
        assertThat(guest.call(Sysno.IOCTL, 1, tiocgwinsz, guest.alloc(8))).isEqualTo(err(Errno.ENOTTY));
        assertThat(guest.call(Sysno.IOCTL, 0, tcgets, guest.alloc(64))).isEqualTo(err(Errno.ENOTTY));
        assertThat(guest.call(Sysno.IOCTL, 55, tcgets, 0)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.IOCTL, fd, FIOCLEX, 0)).isZero();
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFD)).isEqualTo(FD_CLOEXEC);
        assertThat(guest.call(Sysno.IOCTL, fd, FIONCLEX, 0)).isZero();
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFD)).isZero();
    }

    @Test
    void ftruncateShrinksAndGrows() throws IOException {
        long fd = guest.open("/tmp/t", O_CREAT | O_RDWR, 0644);
        guest.write(fd, "abcdef");
        assertThat(guest.call(Sysno.FTRUNCATE, fd, 2)).isZero();
        assertThat(tmp.resolve("t")).hasContent("ab");
        assertThat(guest.call(Sysno.FTRUNCATE, fd, 5)).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("t"))).containsExactly('a', 'b', 0, 0, 0);
        assertThat(guest.call(Sysno.FTRUNCATE, fd, -1)).isEqualTo(err(Errno.EINVAL));
        long readOnly = guest.open("/tmp/t", O_RDONLY);
        assertThat(guest.call(Sysno.FTRUNCATE, readOnly, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.FTRUNCATE, 1, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.FTRUNCATE, 99, 0)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void fsyncFilesAndDirectories() {
        long fd = guest.open("/tmp/s", O_CREAT | O_WRONLY, 0644);
        guest.write(fd, "x");
        assertThat(guest.call(Sysno.FSYNC, fd)).isZero();
        assertThat(guest.call(Sysno.FSYNC, guest.open("/tmp", O_RDONLY | O_DIRECTORY))).isZero();
        assertThat(guest.call(Sysno.FSYNC, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.FSYNC, 99)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void directoriesCannotBeReadAsFiles() {
        long fd = guest.open("/tmp", O_RDONLY);
        assertThat(guest.call(Sysno.READ, fd, guest.alloc(8), 8)).isEqualTo(err(Errno.EISDIR));
        assertThat(guest.call(Sysno.PREAD64, fd, guest.alloc(8), 8, 0)).isEqualTo(err(Errno.EISDIR));
        assertThat(guest.write(fd, "x")).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void specialHostFilesCannotBeOpened() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", tmp.resolve("fifo").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThat(guest.open("/tmp/fifo", O_RDONLY)).isEqualTo(err(Errno.EACCES));
    }

    @Test
    void unlinkedOpenFilesStayUsable() {
        long fd = guest.open("/tmp/gone", O_CREAT | O_RDWR, 0644);
        guest.write(fd, "still here");
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/gone"), 0)).isZero();
        guest.call(Sysno.LSEEK, fd, 0, SEEK_SET);
        assertThat(guest.read(fd, 100)).isEqualTo("still here");
        long stat = guest.alloc(144);
        assertThat(guest.call(Sysno.NEWFSTATAT, fd, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
        assertThat(guest.u64(stat, 16)).as("st_nlink").isZero();
        assertThat(guest.u64(stat, 48)).as("st_size").isEqualTo(10);
    }

    @Test
    void aPendingInterruptNeitherBreaksFilesNorIsLost() {
        long fd = guest.open("/tmp/i", O_CREAT | O_RDWR, 0644);
        Thread.currentThread().interrupt();
        try {
            assertThat(guest.write(fd, "abc")).isEqualTo(3);
            assertThat(guest.call(Sysno.PREAD64, fd, guest.alloc(3), 3, 0)).isEqualTo(3);
            assertThat(guest.call(Sysno.FSYNC, fd)).isZero();
        } finally {
            assertThat(Thread.interrupted()).isTrue();
        }
        assertThat(guest.write(fd, "def")).isEqualTo(3);
    }
}
