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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No guest path reaches a host file outside the mounts: {@code ..}, absolute and relative host
 * symlinks pointing out, loops, and links between read-only and writable mounts.
 *
 * <p>Host layout: {@code outside/secret.txt} next to {@code outside/jail} (mounted writable at
 * {@code /}) and {@code outside/image} (mounted read-only at {@code /app}).
 */
class ConfinementTest {

    @TempDir
    Path outside;
    Path jail;
    Path image;
    Path secret;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        jail = Files.createDirectory(outside.resolve("jail"));
        image = Files.createDirectory(outside.resolve("image"));
        secret = Files.writeString(outside.resolve("secret.txt"), "host secret");
        Files.writeString(image.resolve("main.py"), "code");
        Files.createDirectory(jail.resolve("tmp"));
        guest = new Guest(IoConfig.builder()
                .mount(Mount.writable("/", jail))
                .mount(Mount.readOnly("/app", image)));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    @Test
    void dotDotStopsAtTheGuestRoot() {
        assertThat(guest.open("/../secret.txt", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("../../../../secret.txt", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/tmp/../../../secret.txt", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/app/../../secret.txt", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/../../jail/tmp", O_RDONLY)).as("the host's directory names mean nothing")
                .isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.CHDIR, guest.string("/../.."))).isZero();
        long buffer = guest.alloc(64);
        assertThat(guest.call(Sysno.GETCWD, buffer, 64)).isEqualTo(2);
        assertThat(guest.text(buffer, 1)).isEqualTo("/");
    }

    @Test
    void anAbsoluteSymlinkToAHostPathIsAGuestPath() throws IOException {
        Files.createSymbolicLink(jail.resolve("abs"), secret);
        assertThat(guest.open("/abs", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.statResult("/abs", 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.statResult("/abs", AT_SYMLINK_NOFOLLOW)).isZero();
        // Recreating the host path inside the guest makes the link work, inside the guest.
        Path shadow = jail.resolve(secret.toString().substring(1));
        Files.createDirectories(shadow.getParent());
        Files.writeString(shadow, "guest copy");
        assertThat(guest.read(guest.open("/abs", O_RDONLY), 100)).isEqualTo("guest copy");
    }

    @Test
    void relativeSymlinksCannotClimbOut() throws IOException {
        Files.createSymbolicLink(jail.resolve("rel"), Path.of("../secret.txt"));
        Files.createSymbolicLink(jail.resolve("tmp/deep"), Path.of("../../../../../secret.txt"));
        Files.createSymbolicLink(jail.resolve("up"), Path.of(".."));
        assertThat(guest.open("/rel", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/tmp/deep", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/up/up/up/secret.txt", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/up/up/tmp", O_RDONLY | O_DIRECTORY)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void symlinkedDirectoriesOutsideCannotBeListedOrWrittenThrough() throws IOException {
        Files.createSymbolicLink(jail.resolve("out"), outside);
        Files.createSymbolicLink(jail.resolve("outrel"), Path.of("../"));
        assertThat(guest.open("/out", O_RDONLY | O_DIRECTORY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/outrel/..", O_RDONLY | O_DIRECTORY)).as("'..' of the guest root is the guest root")
                .isGreaterThanOrEqualTo(3);
        assertThat(guest.open("/out/secret.txt", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/out/planted", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/out/dir"), 0755)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/out/secret.txt"), 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string("/outrel/../secret.txt"), AT_FDCWD,
                guest.string("/stolen"), 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(secret).hasContent("host secret");
        assertThat(outside.resolve("planted")).doesNotExist();
    }

    @Test
    void creatingThroughADanglingLinkCreatesInsideTheGuest() throws IOException {
        Files.createSymbolicLink(jail.resolve("dangling"), outside.resolve("created"));
        Files.createSymbolicLink(jail.resolve("dangling-rel"), Path.of("../../created-rel"));
        assertThat(guest.open("/dangling-rel", O_CREAT | O_WRONLY, 0644)).isGreaterThanOrEqualTo(3);
        assertThat(jail.resolve("created-rel")).exists();
        assertThat(outside.resolve("created-rel")).doesNotExist();
        assertThat(guest.open("/dangling", O_CREAT | O_WRONLY, 0644)).as("its directories do not exist in the guest")
                .isEqualTo(err(Errno.ENOENT));
        assertThat(outside.resolve("created")).doesNotExist();
        assertThat(guest.open("/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644)).isEqualTo(err(Errno.EEXIST));
    }

    @Test
    void symlinkLoopsEndWithEloop() throws IOException {
        Files.createSymbolicLink(jail.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(jail.resolve("b"), Path.of("/a"));
        Files.createSymbolicLink(jail.resolve("self"), Path.of("self/x"));
        assertThat(guest.open("/a", O_RDONLY)).isEqualTo(err(Errno.ELOOP));
        assertThat(guest.open("/self", O_RDONLY)).isEqualTo(err(Errno.ELOOP));
        assertThat(guest.open("/a/x", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.ELOOP));
        assertThat(guest.statResult("/a", AT_SYMLINK_NOFOLLOW)).isZero();
        assertThat(guest.open("/a", O_RDONLY | O_NOFOLLOW)).isEqualTo(err(Errno.ELOOP));
    }

    @Test
    void fortyLinksAreFollowedButNotFortyOne() throws IOException {
        Files.writeString(jail.resolve("end"), "reached");
        Files.createSymbolicLink(jail.resolve("l0"), Path.of("end"));
        for (int i = 1; i <= 40; i++) {
            Files.createSymbolicLink(jail.resolve("l" + i), Path.of("l" + (i - 1)));
        }
        assertThat(guest.read(guest.open("/l39", O_RDONLY), 20)).isEqualTo("reached");
        assertThat(guest.open("/l40", O_RDONLY)).isEqualTo(err(Errno.ELOOP));
    }

    @Test
    void aLinkInAReadOnlyMountMayPointIntoAWritableOne() throws IOException {
        Files.createSymbolicLink(image.resolve("state"), Path.of("/tmp/state.txt"));
        Files.createSymbolicLink(image.resolve("cache"), Path.of("../tmp"));
        long fd = guest.open("/app/state", O_CREAT | O_WRONLY, 0644);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        guest.write(fd, "saved");
        assertThat(jail.resolve("tmp/state.txt")).hasContent("saved");
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/app/cache/sub"), 0755)).isZero();
        assertThat(jail.resolve("tmp/sub")).isDirectory();
        assertThat(image.resolve("sub")).doesNotExist();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/app/state"), 0)).as("the link itself is read-only")
                .isEqualTo(err(Errno.EROFS));
    }

    @Test
    void aLinkInAWritableMountCannotMakeAReadOnlyFileWritable() throws IOException {
        Files.createSymbolicLink(jail.resolve("code"), Path.of("/app/main.py"));
        Files.createSymbolicLink(jail.resolve("appdir"), Path.of("app"));
        assertThat(guest.open("/code", O_WRONLY)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/code", O_RDONLY | O_TRUNC)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.open("/appdir/new", O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FACCESSAT, AT_FDCWD, guest.string("/code"), W_OK)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string("/appdir/main.py"), AT_FDCWD,
                guest.string("/taken"), 0)).isEqualTo(err(Errno.EXDEV));
        assertThat(image.resolve("main.py")).hasContent("code");
    }

    @Test
    void mountPointsCannotBeRemovedOrReplaced() {
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/app"), AT_REMOVEDIR)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string("/tmp"), AT_FDCWD, guest.string("/app"), 0))
                .isEqualTo(err(Errno.EXDEV));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/"), AT_REMOVEDIR)).isEqualTo(err(Errno.EBUSY));
        assertThat(guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string("/"), AT_FDCWD, guest.string("/x"), 0))
                .isEqualTo(err(Errno.EBUSY));
    }

    @Test
    void aMountPointMissingOnTheHostIsProvided() {
        assertThat(jail.resolve("app")).doesNotExist();
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/app"), 0)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.read(guest.open("/app/main.py", O_RDONLY), 10)).isEqualTo("code");
    }

    @Test
    void overlongPathsAndNamesAreEnametoolong() {
        String longName = "n".repeat(256);
        assertThat(guest.open("/tmp/" + longName, O_CREAT | O_WRONLY, 0644)).isEqualTo(err(Errno.ENAMETOOLONG));
        assertThat(guest.open("/tmp/" + "n".repeat(255), O_CREAT | O_WRONLY, 0644)).isGreaterThanOrEqualTo(3);
        String longPath = "/tmp" + "/.".repeat(2046);
        assertThat(longPath.length()).isEqualTo(4096);
        assertThat(guest.open(longPath, O_RDONLY)).isEqualTo(err(Errno.ENAMETOOLONG));
        assertThat(guest.open(longPath.substring(0, 4094), O_RDONLY)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void namesThatAreNotUtf8RoundTripThroughTheHost() throws IOException {
        byte[] name = {'@', (byte) 0xe7, 'w', (byte) 0xf0, (byte) 0xef, (byte) 0xa3, (byte) 0xbf};
        long path = guest.alloc(16);
        MemorySegment.copy(MemorySegment.ofArray(new byte[] {'/', 't', 'm', 'p', '/'}), 0, guest.ram, path, 5);
        MemorySegment.copy(MemorySegment.ofArray(name), 0, guest.ram, path + 5, name.length);
        long fd = guest.call(Sysno.OPENAT, AT_FDCWD, path, O_CREAT | O_WRONLY, 0644);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        // One host file, whose name is valid UTF-8, and getdents64 gives the guest's bytes back.
        try (var listed = Files.list(jail.resolve("tmp"))) {
            assertThat(listed.filter(p -> p.getFileName().toString().startsWith("@")).count()).isEqualTo(1);
        }
        long dir = guest.open("/tmp", O_RDONLY);
        long buffer = guest.alloc(4096);
        long filled = guest.call(Sysno.GETDENTS64, dir, buffer, 4096);
        byte[] entries = guest.ram.asSlice(buffer, filled).toArray(ValueLayout.JAVA_BYTE);
        assertThat(indexOf(entries, name)).as("the raw name in getdents64").isNotNegative();
        assertThat(guest.call(Sysno.NEWFSTATAT, AT_FDCWD, path, guest.alloc(144), 0)).isZero();
        // The escape character's own bytes name another file, not the same one.
        byte[] escapeText = "@\uf8ffE7w".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long other = guest.alloc(32);
        MemorySegment.copy(MemorySegment.ofArray(new byte[] {'/', 't', 'm', 'p', '/'}), 0, guest.ram, other, 5);
        MemorySegment.copy(MemorySegment.ofArray(escapeText), 0, guest.ram, other + 5, escapeText.length);
        assertThat(guest.call(Sysno.OPENAT, AT_FDCWD, other, O_CREAT | O_EXCL | O_WRONLY, 0644))
                .isGreaterThanOrEqualTo(3);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
