package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eventfd2 and memfd_create (issue 18, gap 3), answered as Linux answers them: the counter's
 * read and write rules and poll readiness; a memfd as an anonymous file of the run's /tmp,
 * charged to its quota until its last fd closes.
 */
class EventFdAndMemfdTest {

    private static final int EFD_SEMAPHORE = 1;
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_HUGETLB = 4;

    @TempDir
    Path tmp;
    Guest guest;

    private Guest start(long quota) {
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp")
                .writeQuota("/tmp", quota));
        return guest;
    }

    @AfterEach
    void stop() {
        if (guest != null) {
            guest.close();
        }
    }

    private long write64(long fd, long value) {
        return guest.call(Sysno.WRITE, fd, guest.words(value), 8);
    }

    /** Reads 8 bytes: the value, or the errno result. */
    private long read64(long fd) {
        long buffer = guest.alloc(8);
        long n = guest.call(Sysno.READ, fd, buffer, 8);
        return n == 8 ? guest.u64(buffer, 0) : n;
    }

    private int poll(long fd, int events) {
        long pollfd = guest.alloc(8);
        guest.ram.set(ValueLayout.JAVA_INT_UNALIGNED, pollfd, (int) fd);
        guest.ram.set(ValueLayout.JAVA_SHORT_UNALIGNED, pollfd + 4, (short) events);
        assertThat(guest.call(Sysno.POLL, pollfd, 1, 0)).isNotNegative();
        return Short.toUnsignedInt(guest.ram.get(ValueLayout.JAVA_SHORT_UNALIGNED, pollfd + 6));
    }

    @Test
    void anEventfdCountsAndAReadTakesTheWholeCount() {
        start(1 << 20);
        long fd = guest.call(Sysno.EVENTFD2, 3, O_NONBLOCK);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        assertThat(poll(fd, Poll.POLLIN | Poll.POLLOUT)).isEqualTo(Poll.POLLIN | Poll.POLLOUT);
        assertThat(write64(fd, 4)).isEqualTo(8);
        assertThat(read64(fd)).isEqualTo(7);
        assertThat(read64(fd)).as("empty, non-blocking").isEqualTo(err(Errno.EAGAIN));
        assertThat(poll(fd, Poll.POLLIN | Poll.POLLOUT)).isEqualTo(Poll.POLLOUT);
        assertThat(guest.call(Sysno.READ, fd, guest.alloc(4), 4)).as("under 8 bytes").isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.WRITE, fd, guest.alloc(4), 4)).isEqualTo(err(Errno.EINVAL));
        assertThat(write64(fd, -1L)).as("0xffffffffffffffff").isEqualTo(err(Errno.EINVAL));
        assertThat(write64(fd, -2L)).as("the largest count").isEqualTo(8);
        assertThat(poll(fd, Poll.POLLIN | Poll.POLLOUT)).as("full").isEqualTo(Poll.POLLIN);
        assertThat(write64(fd, 1)).isEqualTo(err(Errno.EAGAIN));
        assertThat(read64(fd)).isEqualTo(-2L);
        assertThat(guest.call(Sysno.LSEEK, fd, 0, SEEK_SET)).isEqualTo(err(Errno.ESPIPE));
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFL, 0) & O_NONBLOCK).isEqualTo(O_NONBLOCK);
    }

    @Test
    void aSemaphoreEventfdGivesOneAtATime() {
        start(1 << 20);
        long fd = guest.call(Sysno.EVENTFD2, 2, EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC);
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFD, 0)).isEqualTo(FD_CLOEXEC);
        assertThat(read64(fd)).isEqualTo(1);
        assertThat(read64(fd)).isEqualTo(1);
        assertThat(read64(fd)).isEqualTo(err(Errno.EAGAIN));
        assertThat(guest.call(Sysno.EVENTFD2, 0, 0x40)).as("an unknown flag").isEqualTo(err(Errno.EINVAL));
    }

    @Test
    void aBlockingReadWaitsForAWriteFromAnotherProcess() throws Exception {
        start(1 << 20);
        long fd = guest.call(Sysno.EVENTFD2, 0, 0);
        HostIo child = guest.io.forkProcess();
        try {
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> read64(fd));
            Thread.sleep(50);
            assertThat(reader).isNotDone();
            SyscallTable table = SyscallTable.defaults();
            assertThat(table.dispatch(SyscallRequest.of(Sysno.WRITE, fd, guest.words(5), 8), guest.memory, child,
                    guest.state)).isEqualTo(8);
            assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo(5);
        } finally {
            child.close();
        }
    }

    @Test
    void aMemfdIsAnAnonymousFileChargedToTmpUntilItsLastFdCloses() throws IOException {
        start(64 << 10);
        long fd = guest.call(Sysno.MEMFD_CREATE, guest.string("buffer"), MFD_CLOEXEC);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        assertThat(guest.call(Sysno.FCNTL, fd, F_GETFD, 0)).isEqualTo(FD_CLOEXEC);
        try (Stream<Path> names = Files.list(tmp)) {
            assertThat(names).as("no name is left in /tmp").isEmpty();
        }
        assertThat(guest.call(Sysno.FTRUNCATE, fd, 8192)).isZero();
        assertThat(guest.write(fd, "hello")).isEqualTo(5);
        assertThat(guest.call(Sysno.PREAD64, fd, guest.alloc(8), 5, 0)).isEqualTo(5);
        long stat = guest.alloc(144);
        assertThat(guest.call(Sysno.NEWFSTATAT, fd, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
        assertThat(guest.u64(stat, 48)).as("st_size").isEqualTo(8192);
        assertThat(guest.u32(stat, 24) & 0170000).as("a regular file").isEqualTo(0100000);

        long data = guest.alloc(64 << 10);
        long other = guest.open("/tmp/other", O_RDWR | O_CREAT, 0600);
        assertThat(guest.call(Sysno.WRITE, other, data, 64 << 10)).as("the memfd's 8 KiB are charged")
                .isEqualTo((64 << 10) - 8192);
        assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
        assertThat(guest.call(Sysno.WRITE, other, data, 8192)).as("given back at close").isEqualTo(8192);
    }

    @Test
    void memfdRefusesBadFlagsAndLongNamesAndNeedsATmp() {
        start(1 << 20);
        assertThat(guest.call(Sysno.MEMFD_CREATE, guest.string("x"), MFD_HUGETLB)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.MEMFD_CREATE, guest.string("n".repeat(250)), 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.MEMFD_CREATE, guest.string("n".repeat(249)), 0)).isGreaterThanOrEqualTo(3);
        guest.close();
        guest = new Guest(IoConfig.builder().mount(Mount.readOnly("/app", tmp)).workingDirectory("/app"));
        assertThat(guest.call(Sysno.MEMFD_CREATE, guest.string("x"), 0)).isEqualTo(err(Errno.ENOSYS));
    }

    @Test
    void fionreadCountsWhatAPipeOrAFileHasToRead() {
        start(1 << 20);
        long pair = guest.alloc(8);
        assertThat(guest.call(Sysno.PIPE2, pair, 0)).isZero();
        long count = guest.alloc(4);
        assertThat(guest.write(guest.u32(pair, 4), "abc")).isEqualTo(3);
        assertThat(guest.call(Sysno.IOCTL, guest.u32(pair, 0), FIONREAD, count)).isZero();
        assertThat(guest.u32(count, 0)).isEqualTo(3);
        long file = guest.open("/tmp/f", O_RDWR | O_CREAT, 0600);
        assertThat(guest.write(file, "hello")).isEqualTo(5);
        assertThat(guest.call(Sysno.LSEEK, file, 1, SEEK_SET)).isEqualTo(1);
        assertThat(guest.call(Sysno.IOCTL, file, FIONREAD, count)).isZero();
        assertThat(guest.u32(count, 0)).isEqualTo(4);
        long counter = guest.call(Sysno.EVENTFD2, 0, 0);
        assertThat(guest.call(Sysno.IOCTL, counter, FIONREAD, count)).isEqualTo(err(Errno.ENOTTY));
        assertThat(guest.call(Sysno.IOCTL, 77, FIONREAD, count)).isEqualTo(err(Errno.EBADF));
    }

    @Test
    void anIoctlOnABadFdIsEbadfBeforeEnotty() {
        start(1 << 20);
        assertThat(guest.call(Sysno.IOCTL, 77, 0x1234, 0)).isEqualTo(err(Errno.EBADF));
        long fd = guest.call(Sysno.EVENTFD2, 0, 0);
        assertThat(guest.call(Sysno.IOCTL, fd, 0x1234, 0)).isEqualTo(err(Errno.ENOTTY));
    }
}
