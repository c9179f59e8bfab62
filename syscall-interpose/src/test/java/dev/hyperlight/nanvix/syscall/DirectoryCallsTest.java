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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directories and names: getdents64, mkdirat, unlinkat, renameat2, cwd, readlinkat, faccessat, stat. */
class DirectoryCallsTest {

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final int DT_DIR = 4;
    static final int DT_REG = 8;
    static final int DT_LNK = 10;

    @TempDir
    Path tmp;
    @TempDir
    Path app;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(app.resolve("main.py"), "print('hi')\n");
        Files.createDirectory(app.resolve("lib"));
        guest = new Guest(IoConfig.builder()
                .mount(Mount.writable("/tmp", tmp))
                .mount(Mount.readOnly("/app", app))
                .workingDirectory("/tmp"));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    record Dirent(long inode, long offset, int length, int type, String name) {
    }

    /** Reads a whole directory with getdents64 calls of {@code bufferSize} bytes. */
    List<Dirent> list(String path, int bufferSize) {
        long fd = guest.open(path, O_RDONLY | O_DIRECTORY);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        List<Dirent> all = new ArrayList<>();
        long buffer = guest.alloc(bufferSize);
        while (true) {
            long n = guest.call(Sysno.GETDENTS64, fd, buffer, bufferSize);
            assertThat(n).isNotNegative();
            if (n == 0) {
                break;
            }
            all.addAll(parse(buffer, n));
        }
        guest.call(Sysno.CLOSE, fd);
        return all;
    }

    List<Dirent> parse(long buffer, long length) {
        List<Dirent> entries = new ArrayList<>();
        for (long at = buffer; at < buffer + length; ) {
            int reclen = Short.toUnsignedInt(guest.ram.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at + 16));
            int type = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 18);
            long nameAt = at + 19;
            long end = nameAt;
            while (guest.ram.get(java.lang.foreign.ValueLayout.JAVA_BYTE, end) != 0) {
                end++;
            }
            entries.add(new Dirent(guest.u64(at, 0), guest.u64(at, 8), reclen, type, guest.text(nameAt, end - nameAt)));
            assertThat(reclen % 8).isZero();
            at += reclen;
        }
        return entries;
    }

    static List<String> names(List<Dirent> entries) {
        return entries.stream().map(Dirent::name).toList();
    }

    @Test
    void getdentsListsDotEntriesThenSortedNamesWithTypes() throws IOException {
        Files.writeString(tmp.resolve("b.txt"), "b");
        Files.createDirectory(tmp.resolve("a"));
        Files.createSymbolicLink(tmp.resolve("c"), Path.of("b.txt"));
        List<Dirent> entries = list("/tmp", 4096);
        assertThat(names(entries)).containsExactly(".", "..", "a", "b.txt", "c");
        assertThat(entries.stream().map(Dirent::type).toList()).containsExactly(DT_DIR, DT_DIR, DT_DIR, DT_REG, DT_LNK);
        assertThat(entries.get(3).inode()).isEqualTo(Files.getAttribute(tmp.resolve("b.txt"), "unix:ino"));
        assertThat(entries.stream().map(Dirent::offset).toList()).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void getdentsResumesAcrossSmallBuffers() throws IOException {
        for (int i = 0; i < 50; i++) {
            Files.writeString(tmp.resolve("file-%02d".formatted(i)), "");
        }
        List<Dirent> whole = list("/tmp", 8192);
        List<Dirent> piecemeal = list("/tmp", 40); // one 32-byte record per call
        assertThat(whole).hasSize(52);
        assertThat(piecemeal).isEqualTo(whole);
    }

    @Test
    void getdentsNeedsRoomForOneEntry() {
        long fd = guest.open("/tmp", O_RDONLY | O_DIRECTORY);
        assertThat(guest.call(Sysno.GETDENTS64, fd, guest.alloc(16), 16)).isEqualTo(err(Errno.EINVAL));
        long file = guest.open("/app/main.py", O_RDONLY);
        assertThat(guest.call(Sysno.GETDENTS64, file, guest.alloc(256), 256)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.call(Sysno.GETDENTS64, 77, guest.alloc(256), 256)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void lseekToAnOffsetResumesTheListingAndRewindRefreshesIt() throws IOException {
        Files.writeString(tmp.resolve("x"), "");
        long fd = guest.open("/tmp", O_RDONLY | O_DIRECTORY);
        long buffer = guest.alloc(4096);
        List<Dirent> first = parse(buffer, guest.call(Sysno.GETDENTS64, fd, buffer, 4096));
        assertThat(names(first)).containsExactly(".", "..", "x");
        assertThat(guest.call(Sysno.LSEEK, fd, first.get(1).offset(), SEEK_SET)).isEqualTo(2);
        assertThat(names(parse(buffer, guest.call(Sysno.GETDENTS64, fd, buffer, 4096)))).containsExactly("x");
        Files.writeString(tmp.resolve("y"), "");
        assertThat(guest.call(Sysno.LSEEK, fd, 0, SEEK_SET)).isZero();
        assertThat(names(parse(buffer, guest.call(Sysno.GETDENTS64, fd, buffer, 4096))))
                .containsExactly(".", "..", "x", "y");
        assertThat(guest.call(Sysno.LSEEK, fd, 0, SEEK_END)).isEqualTo(err(Errno.EINVAL));
    }

    @Test
    void theRootAboveMountsIsAReadOnlyVirtualDirectory() {
        assertThat(names(list("/", 4096))).as("the sandbox's /dev is always there").containsExactly(".", "..",
                "app", "dev", "tmp");
        long stat = guest.stat("/", 0);
        assertThat(guest.u32(stat, 24)).as("st_mode").isEqualTo(S_IFDIR | 0555);
        assertThat(guest.u32(stat, 28)).as("st_uid").isZero();
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/etc"), 0755)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/new", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/etc/passwd", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.FACCESSAT, AT_FDCWD, guest.string("/"), W_OK)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FACCESSAT, AT_FDCWD, guest.string("/"), R_OK | X_OK)).isZero();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp"), AT_REMOVEDIR))
                .isEqualTo(err(Errno.EBUSY));
    }

    @Test
    void nestedMountsAppearInTheirParentsListing() throws IOException {
        guest.close();
        Path data = Files.createDirectory(tmp.resolve("data-host"));
        Files.writeString(data.resolve("d.txt"), "d");
        guest = new Guest(IoConfig.builder()
                .mount(Mount.readOnly("/", app))
                .mount(Mount.writable("/srv/data", data))
                .mount(Mount.writable("/tmp", tmp)));
        assertThat(names(list("/", 4096))).containsExactly(".", "..", "dev", "lib", "main.py", "srv", "tmp");
        assertThat(names(list("/srv", 4096))).containsExactly(".", "..", "data");
        long fd = guest.open("/srv/data/d.txt", O_RDONLY);
        assertThat(guest.read(fd, 10)).isEqualTo("d");
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/srv/other"), 0755)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/srv/data/new", O_CREAT | O_WRONLY, 0644)).isGreaterThanOrEqualTo(3);
        assertThat(data.resolve("new")).exists();
    }

    @Test
    void mkdirUnlinkAndRmdir() throws IOException {
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("d"), 0755)).isZero();
        assertThat(tmp.resolve("d")).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("d")))).isEqualTo("rwxr-xr-x");
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("d"), 0777)).isEqualTo(err(Errno.EEXIST));
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("d/."), 0777)).isEqualTo(err(Errno.EEXIST));
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("no/such"), 0777)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/app/x"), 0777)).isEqualTo(err(Errno.EROFS));
        Files.writeString(tmp.resolve("d/f"), "f");
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d"), AT_REMOVEDIR)).isEqualTo(err(Errno.ENOTEMPTY));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d"), 0)).isEqualTo(err(Errno.EISDIR));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d/f"), AT_REMOVEDIR)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d/f"), 0)).isZero();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d/f"), 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d/."), AT_REMOVEDIR)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d/.."), AT_REMOVEDIR)).isEqualTo(err(Errno.ENOTEMPTY));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("d"), AT_REMOVEDIR)).isZero();
        assertThat(tmp.resolve("d")).doesNotExist();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/app/main.py"), 0)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/app/lib"), AT_REMOVEDIR)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("x"), 0x4)).isEqualTo(err(Errno.EINVAL));
    }

    @Test
    void unlinkRemovesASymlinkNotItsTarget() throws IOException {
        Files.writeString(tmp.resolve("target"), "t");
        Files.createSymbolicLink(tmp.resolve("link"), Path.of("target"));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("link"), 0)).isZero();
        assertThat(tmp.resolve("link")).doesNotExist();
        assertThat(tmp.resolve("target")).exists();
    }

    @Test
    void renameMovesReplacesAndRefuses() throws IOException {
        Files.writeString(tmp.resolve("a"), "A");
        Files.writeString(tmp.resolve("b"), "B");
        Files.createDirectories(tmp.resolve("dir/sub"));
        Files.createDirectory(tmp.resolve("empty"));
        assertThat(rename("a", "c", 0)).isZero();
        assertThat(tmp.resolve("c")).hasContent("A");
        assertThat(rename("c", "b", RENAME_NOREPLACE)).isEqualTo(err(Errno.EEXIST));
        assertThat(rename("c", "b", 0)).isZero();
        assertThat(tmp.resolve("b")).hasContent("A");
        assertThat(tmp.resolve("c")).doesNotExist();
        assertThat(rename("missing", "x", 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(rename("b", "dir", 0)).isEqualTo(err(Errno.EISDIR));
        assertThat(rename("dir", "b", 0)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(rename("empty", "dir", 0)).isEqualTo(err(Errno.ENOTEMPTY));
        assertThat(rename("dir", "dir/sub/inner", 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(rename("dir", "empty", 0)).isZero();
        assertThat(tmp.resolve("empty/sub")).isDirectory();
        assertThat(rename("b", "b", 0)).isZero();
        assertThat(rename("b", "/app/b", 0)).isEqualTo(err(Errno.EXDEV));
        assertThat(rename("/app/main.py", "/app/other.py", 0)).isEqualTo(err(Errno.EROFS));
        assertThat(rename("/tmp", "/tmp2", 0)).isEqualTo(err(Errno.EXDEV));
        assertThat(rename("b", "..", 0)).isEqualTo(err(Errno.EBUSY));
        assertThat(rename("b", "x", 2)).isEqualTo(err(Errno.EINVAL));
    }

    long rename(String from, String to, int flags) {
        return guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string(from), AT_FDCWD, guest.string(to), flags);
    }

    @Test
    void openFilesAndTheWorkingDirectoryFollowARename() throws IOException {
        Files.createDirectories(tmp.resolve("old/inner"));
        Files.writeString(tmp.resolve("old/inner/f"), "content");
        long file = guest.open("/tmp/old/inner/f", O_RDONLY);
        long dir = guest.open("/tmp/old/inner", O_RDONLY | O_DIRECTORY);
        assertThat(guest.call(Sysno.CHDIR, guest.string("/tmp/old"))).isZero();
        assertThat(rename("/tmp/old", "/tmp/new", 0)).isZero();
        assertThat(cwd()).isEqualTo("/tmp/new");
        assertThat(guest.call(Sysno.OPENAT, dir, guest.string("f"), O_RDONLY)).isGreaterThanOrEqualTo(3);
        long stat = guest.alloc(144);
        assertThat(guest.call(Sysno.NEWFSTATAT, file, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
        assertThat(guest.u64(stat, 16)).as("st_nlink").isEqualTo(1);
    }

    String cwd() {
        long buffer = guest.alloc(256);
        long n = guest.call(Sysno.GETCWD, buffer, 256);
        assertThat(n).isPositive();
        return guest.text(buffer, n - 1);
    }

    @Test
    void getcwdChdirAndFchdir() throws IOException {
        Files.createDirectories(tmp.resolve("a/b"));
        assertThat(cwd()).isEqualTo("/tmp");
        long buffer = guest.alloc(16);
        assertThat(guest.call(Sysno.GETCWD, buffer, 16)).isEqualTo(5);
        assertThat(guest.text(buffer, 5)).isEqualTo("/tmp\0");
        assertThat(guest.call(Sysno.GETCWD, buffer, 4)).isEqualTo(err(Errno.ERANGE));
        assertThat(guest.call(Sysno.GETCWD, buffer, 0)).isEqualTo(err(Errno.ERANGE));
        assertThat(guest.call(Sysno.CHDIR, guest.string("a/b"))).isZero();
        assertThat(cwd()).isEqualTo("/tmp/a/b");
        assertThat(guest.call(Sysno.CHDIR, guest.string("../../.."))).isZero();
        assertThat(cwd()).isEqualTo("/");
        assertThat(guest.call(Sysno.CHDIR, guest.string(".."))).isZero();
        assertThat(cwd()).isEqualTo("/");
        assertThat(guest.call(Sysno.CHDIR, guest.string("/app/main.py"))).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.call(Sysno.CHDIR, guest.string("/nowhere"))).isEqualTo(err(Errno.ENOENT));
        long dir = guest.open("/tmp/a", O_RDONLY | O_DIRECTORY);
        assertThat(guest.call(Sysno.FCHDIR, dir)).isZero();
        assertThat(cwd()).isEqualTo("/tmp/a");
        assertThat(guest.call(Sysno.FCHDIR, guest.open("/app/main.py", O_RDONLY))).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.call(Sysno.FCHDIR, 88)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/a/b"), AT_REMOVEDIR)).isZero();
        assertThat(guest.call(Sysno.CHDIR, guest.string("/tmp/a"))).isZero();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/a"), AT_REMOVEDIR)).isZero();
        assertThat(guest.call(Sysno.GETCWD, buffer, 16)).isEqualTo(err(Errno.ENOENT));
    }

    @Test
    void atCallsResolveRelativeToTheirDirectoryFd() throws IOException {
        Files.createDirectory(tmp.resolve("base"));
        long dir = guest.open("/tmp/base", O_RDONLY | O_DIRECTORY);
        long file = guest.call(Sysno.OPENAT, dir, guest.string("made"), O_CREAT | O_WRONLY, 0644);
        assertThat(file).isGreaterThanOrEqualTo(3);
        assertThat(tmp.resolve("base/made")).exists();
        assertThat(guest.call(Sysno.MKDIRAT, dir, guest.string("sub"), 0755)).isZero();
        assertThat(guest.call(Sysno.FACCESSAT, dir, guest.string("made"), F_OK)).isZero();
        assertThat(guest.call(Sysno.OPENAT, file, guest.string("x"), O_RDONLY)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.call(Sysno.OPENAT, 99, guest.string("x"), O_RDONLY)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.OPENAT, 99, guest.string("/tmp/base/made"), O_RDONLY)).as("absolute ignores dirfd")
                .isGreaterThanOrEqualTo(3);
        assertThat(guest.call(Sysno.RENAMEAT2, dir, guest.string("made"), AT_FDCWD, guest.string("moved"), 0)).isZero();
        assertThat(tmp.resolve("moved")).exists();
        assertThat(guest.call(Sysno.UNLINKAT, dir, guest.string("sub"), AT_REMOVEDIR)).isZero();
    }

    @Test
    void readlinkReturnsTheGuestTargetTruncatedWithoutNul() throws IOException {
        Files.createSymbolicLink(tmp.resolve("abs"), Path.of("/app/main.py"));
        long buffer = guest.alloc(64);
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("abs"), buffer, 64)).isEqualTo(12);
        assertThat(guest.text(buffer, 12)).isEqualTo("/app/main.py");
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("abs"), buffer, 4)).isEqualTo(4);
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("abs"), buffer, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("/app/main.py"), buffer, 64)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("nothing"), buffer, 64)).isEqualTo(err(Errno.ENOENT));
        long fd = guest.open("abs", O_RDONLY);
        assertThat(guest.read(fd, 100)).isEqualTo("print('hi')\n");
    }

    @Test
    void faccessatModes() throws IOException {
        Path script = Files.writeString(tmp.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(access("/tmp/run.sh", R_OK | W_OK | X_OK)).isZero();
        assertThat(access("/app/main.py", R_OK)).isZero();
        assertThat(access("/app/main.py", F_OK)).isZero();
        assertThat(access("/app/main.py", W_OK)).isEqualTo(err(Errno.EROFS));
        assertThat(access("/app/main.py", X_OK)).isEqualTo(err(Errno.EACCES));
        assertThat(access("/app/nothing", F_OK)).isEqualTo(err(Errno.ENOENT));
        assertThat(access("/app/main.py", 8)).isEqualTo(err(Errno.EINVAL));
    }

    long access(String path, int mode) {
        return guest.call(Sysno.FACCESSAT, AT_FDCWD, guest.string(path), mode);
    }

    @Test
    void statFillsTheX8664Layout() throws IOException {
        Path file = Files.writeString(tmp.resolve("s"), "x".repeat(5000));
        long stat = guest.stat("/tmp/s", 0);
        assertThat(guest.u64(stat, 8)).as("st_ino").isEqualTo(Files.getAttribute(file, "unix:ino"));
        assertThat(guest.u64(stat, 16)).as("st_nlink").isEqualTo(1);
        assertThat(guest.u32(stat, 24) & S_IFMT).isEqualTo(S_IFREG);
        assertThat(guest.u32(stat, 24) & 07777).isEqualTo((Integer) Files.getAttribute(file, "unix:mode") & 07777);
        assertThat(guest.u32(stat, 28)).as("st_uid").isEqualTo(1000);
        assertThat(guest.u32(stat, 32)).as("st_gid").isEqualTo(1000);
        assertThat(guest.u64(stat, 48)).as("st_size").isEqualTo(5000);
        assertThat(guest.u64(stat, 56)).as("st_blksize").isEqualTo(4096);
        assertThat(guest.u64(stat, 64)).as("st_blocks").isEqualTo(16);
        java.time.Instant mtime = Files.getLastModifiedTime(file).toInstant();
        assertThat(guest.u64(stat, 88)).as("st_mtime").isEqualTo(mtime.getEpochSecond());
        assertThat(guest.u64(stat, 96)).as("st_mtime_nsec").isEqualTo(mtime.getNano());

        long readOnly = guest.stat("/app/main.py", 0);
        assertThat(guest.u32(readOnly, 24) & 0222).as("no write bits on a read-only mount").isZero();
        assertThat(guest.u32(readOnly, 28)).as("st_uid").isZero();
        assertThat(guest.u64(readOnly, 0)).as("st_dev differs per mount").isNotEqualTo(guest.u64(stat, 0));
    }

    @Test
    void statFollowsSymlinksUnlessAskedNotTo() throws IOException {
        Files.createSymbolicLink(tmp.resolve("l"), Path.of("/app/lib"));
        assertThat(guest.u32(guest.stat("/tmp/l", 0), 24) & S_IFMT).isEqualTo(S_IFDIR);
        long link = guest.stat("/tmp/l", AT_SYMLINK_NOFOLLOW);
        assertThat(guest.u32(link, 24) & S_IFMT).isEqualTo(S_IFLNK);
        assertThat(guest.u64(link, 48)).isEqualTo("/app/lib".length());
        assertThat(guest.statResult("/tmp/l", 0x4)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.statResult("", 0)).isEqualTo(err(Errno.ENOENT));
    }

    @Test
    void emptyPathWithAtEmptyPathStatsTheFdOrTheWorkingDirectory() {
        long stat = guest.alloc(144);
        assertThat(guest.call(Sysno.NEWFSTATAT, 1, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
        assertThat(guest.u32(stat, 24) & S_IFMT).isEqualTo(S_IFCHR);
        assertThat(guest.call(Sysno.NEWFSTATAT, AT_FDCWD, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
        assertThat(guest.u32(stat, 24) & S_IFMT).isEqualTo(S_IFDIR);
        assertThat(guest.call(Sysno.NEWFSTATAT, 200, guest.string(""), stat, AT_EMPTY_PATH)).isEqualTo(err(Errno.EBADF));
    }
}
