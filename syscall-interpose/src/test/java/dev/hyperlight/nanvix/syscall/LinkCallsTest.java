package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.io.IoLimit;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Links the guest makes (symlinkat, linkat) and the fd forms of chmod and utimensat: created only
 * in writable mounts, resolved in the guest's namespace, hard links within one mount, and a
 * {@code /tmp} quota that hard links cannot cheat.
 *
 * <p>Host layout: {@code outside/secret.txt} next to {@code outside/tmp} (writable at {@code /tmp},
 * with a quota) and {@code outside/image} (read-only at {@code /app}).
 */
class LinkCallsTest {

    @TempDir
    Path outside;
    Path tmp;
    Path image;
    Path secret;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        tmp = Files.createDirectory(outside.resolve("tmp"));
        image = Files.createDirectory(outside.resolve("image"));
        secret = Files.writeString(outside.resolve("secret.txt"), "host secret");
        Files.writeString(image.resolve("main.py"), "code");
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).mount(Mount.readOnly("/app", image))
                .workingDirectory("/tmp").writeQuota("/tmp", 100));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    private long symlink(String target, String path) {
        return guest.call(Sysno.SYMLINKAT, guest.string(target), AT_FDCWD, guest.string(path));
    }

    private long link(String from, String to, int flags) {
        return guest.call(Sysno.LINKAT, AT_FDCWD, guest.string(from), AT_FDCWD, guest.string(to), flags);
    }

    @Test
    void aSymlinkKeepsItsTargetTextAndResolvesInTheGuest() throws IOException {
        assertThat(symlink("../../secret.txt", "/tmp/up")).isZero();
        assertThat(symlink(secret.toString(), "/tmp/absolute")).isZero();
        assertThat(symlink("/app", "/tmp/app")).isZero();

        assertThat(Files.readSymbolicLink(tmp.resolve("up"))).isEqualTo(Path.of("../../secret.txt"));
        long buffer = guest.alloc(256);
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("/tmp/absolute"), buffer, 256))
                .isEqualTo(secret.toString().length());
        assertThat(guest.text(buffer, secret.toString().length())).isEqualTo(secret.toString());
        assertThat(guest.open("/tmp/up", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/tmp/absolute", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.read(guest.open("/tmp/app/main.py", O_RDONLY), 10)).isEqualTo("code");
        assertThat(guest.open("/tmp/app/main.py", O_WRONLY)).isEqualTo(err(Errno.EROFS));
    }

    @Test
    void symlinksAreMadeOnlyWhereTheGuestMayWriteAndLoopsEndInEloop() {
        assertThat(symlink("x", "/app/link")).isEqualTo(err(Errno.EROFS));
        assertThat(symlink("x", "/link")).as("the virtual root").isEqualTo(err(Errno.EROFS));
        assertThat(symlink("x", "/tmp/a")).isZero();
        assertThat(symlink("y", "/tmp/a")).isEqualTo(err(Errno.EEXIST));
        assertThat(symlink("", "/tmp/empty")).isEqualTo(err(Errno.ENOENT));
        assertThat(symlink("/tmp/loop2", "/tmp/loop1")).isZero();
        assertThat(symlink("loop1", "/tmp/loop2")).isZero();
        assertThat(guest.open("/tmp/loop1", O_RDONLY)).isEqualTo(err(Errno.ELOOP));
        assertThat(guest.open("/tmp/loop1/x", O_RDONLY | O_CREAT, 0600)).isEqualTo(err(Errno.ELOOP));
    }

    /** glibc's fchmodat(AT_SYMLINK_NOFOLLOW) opens the name with O_PATH and fstats the fd. */
    @Test
    void anOPathFdNamesASymlinkItselfAndServesOnlyFstat() {
        assertThat(symlink("file", "/tmp/link")).isZero();
        long fd = guest.open("/tmp/link", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        long stat = guest.alloc(144);
        assertThat(guest.call(Sysno.NEWFSTATAT, fd, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
        assertThat(guest.u32(stat, 24) & 0170000).as("S_IFLNK").isEqualTo(0120000);
        assertThat(guest.read(fd, 4)).as("EBADF").isNull();
        assertThat(guest.write(fd, "x")).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFL) & O_PATH).isEqualTo(O_PATH);
        assertThat(guest.open("/tmp/link", O_PATH)).as("followed: the target does not exist")
                .isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/tmp/link", O_PATH | O_NOFOLLOW | O_DIRECTORY)).isEqualTo(err(Errno.ENOTDIR));
        long dir = guest.open("/tmp", O_PATH | O_DIRECTORY);
        assertThat(guest.call(Sysno.NEWFSTATAT, dir, guest.string("link"), stat, AT_SYMLINK_NOFOLLOW)).isZero();
        assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
    }

    @Test
    void hardLinksStayInOneWritableMount() throws IOException {
        long fd = guest.open("/tmp/file", O_WRONLY | O_CREAT, 0600);
        assertThat(guest.write(fd, "data")).isEqualTo(4);
        assertThat(link("/tmp/file", "/tmp/second", 0)).isZero();
        assertThat(Files.isSameFile(tmp.resolve("file"), tmp.resolve("second"))).isTrue();

        assertThat(link("/app/main.py", "/tmp/stolen", 0)).isEqualTo(err(Errno.EXDEV));
        assertThat(link("/tmp/file", "/app/planted", 0)).isEqualTo(err(Errno.EROFS));
        assertThat(link("/tmp", "/tmp/dir", 0)).isEqualTo(err(Errno.EPERM));
        assertThat(link("/tmp/missing", "/tmp/x", 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(link("/tmp/file", "/tmp/second", 0)).isEqualTo(err(Errno.EEXIST));
        assertThat(link("/tmp/file", "/tmp/x", AT_EMPTY_PATH)).isEqualTo(err(Errno.ENOENT));
        assertThat(link("/tmp/file", "/tmp/x", 0x8000)).isEqualTo(err(Errno.EINVAL));

        assertThat(symlink("file", "/tmp/name")).isZero();
        assertThat(link("/tmp/name", "/tmp/name2", 0)).as("the symlink itself").isZero();
        assertThat(Files.isSymbolicLink(tmp.resolve("name2"))).isTrue();
        assertThat(link("/tmp/name", "/tmp/followed", AT_SYMLINK_FOLLOW)).isZero();
        assertThat(Files.isSameFile(tmp.resolve("file"), tmp.resolve("followed"))).isTrue();
        assertThat(Files.isSymbolicLink(tmp.resolve("followed"))).isFalse();
    }

    /**
     * Issue 19: a hard link to a host-planted symlink would be a second host-side name for a way
     * out of the mount, where host tools walking it would follow. Linked only if its target,
     * read lexically as the host would, stays in the mount.
     */
    @Test
    void aSymlinkLeadingOutOfItsMountGetsNoSecondName() throws IOException {
        Files.writeString(tmp.resolve("file"), "in the mount");
        Path sub = Files.createDirectory(tmp.resolve("sub"));
        Files.createSymbolicLink(tmp.resolve("absolute"), secret);
        Files.createSymbolicLink(tmp.resolve("relative"), Path.of("../secret.txt"));
        Files.createSymbolicLink(tmp.resolve("root"), Path.of("/"));
        Files.createSymbolicLink(sub.resolve("deep"), Path.of("../../secret.txt"));
        Files.createSymbolicLink(sub.resolve("up"), Path.of("../file"));
        Files.createSymbolicLink(tmp.resolve("inside-absolute"), tmp.resolve("file").toAbsolutePath());
        assertThat(symlink("/tmp/file", "/tmp/guest-absolute")).as("a guest path, outside on the host").isZero();

        for (String out : new String[] {"absolute", "relative", "root", "sub/deep", "guest-absolute"}) {
            assertThat(link("/tmp/" + out, "/tmp/" + out + "-2", 0)).as(out).isEqualTo(err(Errno.EPERM));
            assertThat(Files.exists(tmp.resolve(out + "-2"), LinkOption.NOFOLLOW_LINKS)).as(out).isFalse();
        }
        assertThat(link("/tmp/sub/up", "/tmp/sub/up-2", 0)).isZero();
        assertThat(link("/tmp/inside-absolute", "/tmp/inside-absolute-2", 0)).isZero();
        assertThat(Files.isSameFile(sub.resolve("up"), sub.resolve("up-2"))).isTrue();
        assertThat(Files.isSymbolicLink(sub.resolve("up-2"))).isTrue();
        assertThat(guest.read(guest.open("/tmp/sub/up-2", O_RDONLY), 20)).isEqualTo("in the mount");

        assertThat(link("/tmp/relative", "/tmp/followed", AT_SYMLINK_FOLLOW)).as("followed in the guest's namespace")
                .isEqualTo(err(Errno.ENOENT));
        assertThat(link("/tmp/guest-absolute", "/tmp/followed", AT_SYMLINK_FOLLOW)).isZero();
        assertThat(Files.isSameFile(tmp.resolve("followed"), tmp.resolve("file"))).isTrue();
        assertThat(Files.readString(secret)).isEqualTo("host secret");
    }

    @Test
    void removingOneOfTwoHardLinksGivesNoQuotaBack() {
        long fd = guest.open("/tmp/a", O_WRONLY | O_CREAT, 0600);
        assertThat(guest.write(fd, "x".repeat(80))).isEqualTo(80);
        assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
        assertThat(link("/tmp/a", "/tmp/b", 0)).isZero();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/a"), 0)).isZero();

        long other = guest.open("/tmp/c", O_WRONLY | O_CREAT, 0600);
        assertThat(guest.write(other, "y".repeat(80))).as("the 80 bytes are still on disk under /tmp/b")
                .isEqualTo(20);
        assertThat(guest.io.limitsReached()).containsExactly(IoLimit.WRITE_QUOTA);
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/b"), 0)).isZero();
        assertThat(guest.write(other, "z".repeat(60))).as("the last name gave them back").isEqualTo(60);
    }

    @Test
    void theFdFormsOfChmodAndUtimensatChangeTheFileTheFdNames() throws IOException {
        long fd = guest.open("/tmp/f", O_WRONLY | O_CREAT, 0600);
        long empty = guest.string("");
        assertThat(guest.call(Sysno.FCHMODAT, fd, empty, 0640, AT_EMPTY_PATH)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("f"))))
                .isEqualTo("rw-r-----");
        long times = guest.words(1_000_000_000L, 0, 1_000_000_000L, 0);
        assertThat(guest.call(Sysno.UTIMENSAT, fd, empty, times, AT_EMPTY_PATH)).isZero();
        assertThat(Files.getLastModifiedTime(tmp.resolve("f"), LinkOption.NOFOLLOW_LINKS).toMillis())
                .isEqualTo(1_000_000_000_000L);
        assertThat(guest.call(Sysno.UTIMENSAT, fd, empty, times, AT_EMPTY_PATH | 0x8000))
                .isEqualTo(err(Errno.EINVAL));

        long readOnly = guest.open("/app/main.py", O_RDONLY);
        assertThat(guest.call(Sysno.FCHMODAT, readOnly, empty, 0777, AT_EMPTY_PATH)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.UTIMENSAT, readOnly, empty, times, AT_EMPTY_PATH)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FCHMODAT, 1, empty, 0777, AT_EMPTY_PATH)).as("the console")
                .isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FCHMODAT, 99, empty, 0777, AT_EMPTY_PATH)).isEqualTo(err(Errno.EBADF));

        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/f"), 0)).isZero();
        assertThat(guest.call(Sysno.FCHMODAT, fd, empty, 0600, AT_EMPTY_PATH)).as("removed: nothing to change")
                .isZero();
        long dir = guest.open("/tmp", O_RDONLY | O_DIRECTORY);
        assertThat(guest.call(Sysno.FCHMODAT, dir, empty, 0700, AT_EMPTY_PATH)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp))).isEqualTo("rwx------");
    }
}
