package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox's /dev (issue 18): the devices answer as Linux's drivers do, stat shows Linux's
 * modes and device numbers, /dev/fd/N and /dev/std* open the process's own files again, and
 * nothing there is the host's or can be changed.
 */
class DeviceCallsTest {

    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;

    @TempDir
    Path tmp;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        // A root mount with a dev directory of its own: the sandbox's /dev hides it.
        Files.createDirectories(tmp.resolve("root/dev"));
        Files.writeString(tmp.resolve("root/dev/null"), "the host's file");
        Files.createDirectories(tmp.resolve("tmp"));
        guest = new Guest(IoConfig.builder().mount(Mount.readOnly("/", tmp.resolve("root")))
                .mount(Mount.writable("/tmp", tmp.resolve("tmp"))).workingDirectory("/tmp"));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    private long read(long fd, long buffer, int count) {
        return guest.call(Sysno.READ, fd, buffer, count);
    }

    @Test
    void nullZeroFullAndRandomAnswerAsLinuxDrivers() {
        long buffer = guest.alloc(64);
        long devNull = guest.open("/dev/null", O_RDWR);
        assertThat(read(devNull, buffer, 64)).as("end of file").isZero();
        assertThat(guest.write(devNull, "dropped")).isEqualTo(7);
        assertThat(guest.call(Sysno.LSEEK, devNull, 100, SEEK_SET)).isZero();

        long zero = guest.open("/dev/zero", O_RDWR);
        guest.ram.asSlice(buffer, 64).fill((byte) 7);
        assertThat(read(zero, buffer, 64)).isEqualTo(64);
        assertThat(guest.ram.asSlice(buffer, 64).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        assertThat(guest.write(zero, "taken")).isEqualTo(5);

        long full = guest.open("/dev/full", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        assertThat(guest.write(full, "x")).isEqualTo(err(Errno.ENOSPC));
        assertThat(read(full, buffer, 8)).as("opened write-only").isEqualTo(err(Errno.EBADF));

        for (String name : List.of("/dev/urandom", "/dev/random")) {
            long random = guest.open(name, O_RDONLY);
            guest.ram.asSlice(buffer, 64).fill((byte) 0);
            assertThat(read(random, buffer, 64)).isEqualTo(64);
            byte[] first = guest.ram.asSlice(buffer, 64).toArray(ValueLayout.JAVA_BYTE);
            assertThat(read(random, buffer, 64)).isEqualTo(64);
            assertThat(guest.ram.asSlice(buffer, 64).toArray(ValueLayout.JAVA_BYTE)).as(name).isNotEqualTo(first);
            assertThat(guest.call(Sysno.PREAD64, random, buffer, 16, 0)).isEqualTo(16);
        }
    }

    @Test
    void statShowsCharacterDevicesWithLinuxNumbers() {
        record Expected(String path, long rdev) {}
        for (Expected e : List.of(new Expected("/dev/null", 0x103), new Expected("/dev/zero", 0x105),
                new Expected("/dev/full", 0x107), new Expected("/dev/random", 0x108),
                new Expected("/dev/urandom", 0x109), new Expected("/dev/tty", 0x500),
                new Expected("/dev/ptmx", 0x502))) {
            long stat = guest.stat(e.path(), 0);
            assertThat(guest.u32(stat, 24)).as(e.path()).isEqualTo(S_IFCHR | 0666);
            assertThat(guest.u64(stat, 40)).as(e.path()).isEqualTo(e.rdev());
            assertThat(guest.u32(stat, 28)).as("owned by root").isZero();
        }
        assertThat(guest.u32(guest.stat("/dev", 0), 24)).isEqualTo(S_IFDIR | 0755);
        assertThat(guest.u32(guest.stat("/dev/stdin", AT_SYMLINK_NOFOLLOW), 24) & S_IFMT).isEqualTo(S_IFLNK);
        assertThat(guest.u32(guest.stat("/dev/stdin", 0), 24) & S_IFMT).as("the console, followed")
                .isEqualTo(S_IFCHR);
        long link = guest.alloc(64);
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("/dev/stderr"), link, 64))
                .isEqualTo("/dev/fd/2".length());
        assertThat(guest.text(link, 9)).isEqualTo("/dev/fd/2");
    }

    private static final long TCGETS = 0x5401;
    private static final long TCSETS = 0x5402;
    private static final long TIOCGPTN = 0x80045430L;
    private static final long TIOCSPTLCK = 0x40045431L;
    private static final long TIOCGPTPEER = 0x5441;

    @Test
    void ptmxOpensAPseudoTerminalWhoseBytesPassRawBothWays() {
        long master = guest.open("/dev/ptmx", O_RDWR | O_NOCTTY);
        long number = guest.alloc(4);
        assertThat(guest.call(Sysno.IOCTL, master, TIOCGPTN, number)).isZero();
        assertThat(guest.u32(number, 0)).isZero();
        assertThat(guest.call(Sysno.IOCTL, guest.open("/dev/ptmx", O_RDWR), TIOCGPTN, number)).isZero();
        assertThat(guest.u32(number, 0)).as("the next one").isEqualTo(1);

        assertThat(guest.call(Sysno.IOCTL, master, TIOCGPTPEER, O_RDWR)).as("locked").isEqualTo(err(Errno.EIO));
        long unlock = guest.alloc(4);
        assertThat(guest.call(Sysno.IOCTL, master, TIOCSPTLCK, unlock)).isZero();
        assertThat(guest.call(Sysno.IOCTL, master, TIOCGPTPEER, 0x8000_0000L)).isEqualTo(err(Errno.EINVAL));
        long terminal = guest.call(Sysno.IOCTL, master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        assertThat(terminal).isGreaterThan(master);
        assertThat(guest.call(Sysno.FCNTL, terminal, F_GETFD)).isEqualTo(FD_CLOEXEC);
        assertThat(guest.call(Sysno.IOCTL, terminal, TIOCGPTN, number)).as("the master's request")
                .isEqualTo(err(Errno.ENOTTY));
        assertThat(guest.call(Sysno.IOCTL, terminal, TIOCGPTPEER, O_RDWR)).isEqualTo(err(Errno.ENOTTY));

        assertThat(guest.write(master, "ping\n")).isEqualTo(5);
        assertThat(guest.read(terminal, 16)).isEqualTo("ping\n");
        assertThat(guest.write(terminal, "pong")).isEqualTo(4);
        assertThat(guest.read(master, 16)).isEqualTo("pong");

        long settings = guest.alloc(36);
        assertThat(guest.call(Sysno.IOCTL, terminal, TCGETS, settings)).isZero();
        assertThat(guest.u32(settings, 12)).as("c_lflag: no ICANON, no ECHO").isEqualTo(0x0a30);
        assertThat(guest.call(Sysno.IOCTL, master, TCSETS, settings)).as("the same settings").isZero();
        guest.ram.set(ValueLayout.JAVA_INT_UNALIGNED, settings + 12, 0x8a3b); // cooked: ICANON, ECHO...
        assertThat(guest.call(Sysno.IOCTL, terminal, TCSETS, settings)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.IOCTL, 0, TCGETS, settings)).as("the console").isEqualTo(err(Errno.ENOTTY));
        assertThat(guest.call(Sysno.IOCTL, master, TCGETS, (long) Guest.RAM * 2)).as("a bad address").isEqualTo(err(Errno.EFAULT));

        long link = guest.alloc(64);
        assertThat(guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("/dev/fd/" + terminal), link, 64))
                .isEqualTo("/dev/pts/0".length());
        assertThat(guest.text(link, 10)).isEqualTo("/dev/pts/0");
        long stat = guest.alloc(144);
        assertThat(guest.call(Sysno.NEWFSTATAT, terminal, guest.string(""), stat, 0x1000)).isZero();
        assertThat(guest.u32(stat, 24) & S_IFMT).isEqualTo(S_IFCHR);
        assertThat(guest.u64(stat, 40)).as("136,0").isEqualTo(0x8800);

        guest.call(Sysno.CLOSE, terminal);
        assertThat(guest.read(master, 16)).as("end of file once the terminal closed").isEmpty();
    }

    @Test
    void theTerminalAndDevicesTheSandboxHasNotAreNotThere() {
        assertThat(guest.open("/dev/tty", O_RDWR)).as("no controlling terminal").isEqualTo(err(Errno.ENXIO));
        for (String absent : List.of("/dev/pts", "/dev/pts/0", "/dev/mem", "/dev/sda", "/dev/shm", "/dev/fd/01", "/dev/fd/x")) {
            assertThat(guest.open(absent, O_RDONLY)).as(absent).isEqualTo(err(Errno.ENOENT));
        }
        assertThat(guest.open("/dev/new", O_WRONLY | O_CREAT, 0600)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/dev/null"), 0)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/dev/shm"), 0700)).isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.FCHMODAT, AT_FDCWD, guest.string("/dev/null"), 0600, 0))
                .isEqualTo(err(Errno.EROFS));
        assertThat(guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string("/tmp"), AT_FDCWD, guest.string("/dev/x"), 0))
                .isIn(err(Errno.EXDEV), err(Errno.EROFS));
        assertThat(guest.call(Sysno.FACCESSAT, AT_FDCWD, guest.string("/dev/null"), R_OK | W_OK, 0)).isZero();
        assertThat(guest.call(Sysno.FACCESSAT, AT_FDCWD, guest.string("/dev/null"), X_OK, 0))
                .isEqualTo(err(Errno.EACCES));
    }

    @Test
    void devListsTheDevicesAndTheRootListsDev() {
        DirectoryCallsTest listing = new DirectoryCallsTest();
        listing.guest = guest;
        assertThat(DirectoryCallsTest.names(listing.list("/dev", 4096))).containsExactly(".", "..", "fd", "full",
                "null", "ptmx", "random", "stderr", "stdin", "stdout", "tty", "urandom", "zero");
        assertThat(DirectoryCallsTest.names(listing.list("/", 4096))).contains("dev", "tmp");
        long fd = guest.open("/tmp/file", O_RDWR | O_CREAT, 0600);
        assertThat(DirectoryCallsTest.names(listing.list("/dev/fd", 4096)))
                .as("the fds open when /dev/fd is read, its own among them")
                .containsExactly(".", "..", "0", "1", "2", Long.toString(fd), Long.toString(fd + 1));
    }

    @Test
    void devFdOpensARegularFileAgainWithItsOwnOffset() throws IOException {
        long fd = guest.open("/tmp/file", O_RDWR | O_CREAT, 0600);
        assertThat(guest.write(fd, "hello")).isEqualTo(5);
        long again = guest.open("/dev/fd/" + fd, O_RDONLY);
        assertThat(again).isGreaterThan(fd);
        assertThat(guest.read(again, 16)).as("a new description starts at 0").isEqualTo("hello");
        assertThat(guest.u64(guest.stat("/dev/fd/" + fd, 0), 48)).as("stat follows to the file").isEqualTo(5);
        assertThat(guest.u32(guest.stat("/dev/fd/" + fd, 0), 24) & S_IFMT).isEqualTo(S_IFREG);
        long link = guest.alloc(64);
        long n = guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("/dev/fd/" + fd), link, 64);
        assertThat(guest.text(link, n)).isEqualTo("/tmp/file");
        assertThat(guest.open("/dev/fd/" + fd, O_WRONLY | O_TRUNC)).isGreaterThan(again);
        assertThat(Files.readString(tmp.resolve("tmp/file"))).as("O_TRUNC applies to the file").isEmpty();
        assertThat(guest.open("/dev/fd/99", O_RDONLY)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.statResult("/dev/fd/99", 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(guest.open("/dev/fd/" + fd + "/x", O_RDONLY)).isEqualTo(err(Errno.ENOTDIR));
        assertThat(guest.open("/dev/fd/" + fd, O_RDONLY | O_NOFOLLOW)).isEqualTo(err(Errno.ELOOP));
        assertThat(guest.open("/dev/stdin", O_RDONLY | O_NOFOLLOW)).isEqualTo(err(Errno.ELOOP));
    }

    @Test
    void devFdOpensThePipeItselfInTheDirectionsItAllows() {
        long pair = guest.alloc(8);
        assertThat(guest.call(Sysno.PIPE2, pair, 0)).isZero();
        int readEnd = guest.u32(pair, 0);
        int writeEnd = guest.u32(pair, 4);
        long writer = guest.open("/dev/fd/" + writeEnd, O_WRONLY);
        assertThat(guest.write(writer, "through")).isEqualTo(7);
        assertThat(guest.read(readEnd, 16)).isEqualTo("through");
        assertThat(guest.open("/dev/fd/" + readEnd, O_WRONLY)).isEqualTo(err(Errno.EACCES));
        long link = guest.alloc(64);
        long n = guest.call(Sysno.READLINKAT, AT_FDCWD, guest.string("/dev/fd/" + readEnd), link, 64);
        assertThat(guest.text(link, n)).startsWith("pipe:[");
    }

    @Test
    void devStdoutWritesToTheConsole() {
        long stdout = guest.open("/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        assertThat(guest.write(stdout, "to the console\n")).isEqualTo(15);
        assertThat(guest.stdout.toString(StandardCharsets.UTF_8)).isEqualTo("to the console\n");
    }

    @Test
    void noMountMaySitOnDev() {
        assertThatThrownBy(() -> new HostIo(IoConfig.builder().mount(Mount.readOnly("/dev", tmp)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/dev");
    }

    /** getdents of /dev/fd through an fd kept open: a rewind lists the fds open now. */
    @Test
    void devFdListsTheFdsOpenAtEachRewind() {
        long directory = guest.open("/dev/fd", O_RDONLY | O_DIRECTORY);
        DirectoryCallsTest listing = new DirectoryCallsTest();
        listing.guest = guest;
        long buffer = guest.alloc(4096);
        List<String> before = new ArrayList<>(DirectoryCallsTest.names(
                listing.parse(buffer, guest.call(Sysno.GETDENTS64, directory, buffer, 4096))));
        long opened = guest.open("/dev/null", O_RDONLY);
        assertThat(guest.call(Sysno.LSEEK, directory, 0, SEEK_SET)).isZero();
        List<String> after = DirectoryCallsTest.names(
                listing.parse(buffer, guest.call(Sysno.GETDENTS64, directory, buffer, 4096)));
        before.add(Long.toString(opened));
        assertThat(after).isEqualTo(before);
    }
}
