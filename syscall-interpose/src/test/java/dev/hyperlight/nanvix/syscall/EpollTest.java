package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Poll;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * epoll_create1, epoll_ctl and epoll_wait on the host (issue 18: libuv's event loop), answered as
 * Linux answers them: level, edge and one-shot entries, the errors of epoll_ctl, entries that go
 * with the last fd of their file, and a wait that ends when a file becomes ready.
 */
class EpollTest {

    private static final int ADD = 1;
    private static final int DEL = 2;
    private static final int MOD = 3;
    private static final int EPOLLIN = Poll.POLLIN;
    private static final int EPOLLOUT = Poll.POLLOUT;
    private static final int EPOLLONESHOT = 1 << 30;
    private static final int EPOLLET = 1 << 31;

    @TempDir
    Path tmp;
    Guest guest;
    long epfd;
    long events;

    @BeforeEach
    void start() {
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp"));
        epfd = guest.call(Sysno.EPOLL_CREATE1, O_CLOEXEC);
        events = guest.alloc(12 * 8);
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    private long control(int op, long fd, int wanted, long data) {
        long event = guest.alloc(12);
        guest.ram.set(ValueLayout.JAVA_INT_UNALIGNED, event, wanted);
        guest.ram.set(ValueLayout.JAVA_LONG_UNALIGNED, event + 4, data);
        return guest.call(Sysno.EPOLL_CTL, epfd, op, fd, event);
    }

    private long waitFor(int timeoutMillis) {
        return guest.call(Sysno.EPOLL_WAIT, epfd, events, 8, timeoutMillis);
    }

    private int reported(int i) {
        return guest.ram.get(ValueLayout.JAVA_INT_UNALIGNED, events + 12L * i);
    }

    private long data(int i) {
        return guest.ram.get(ValueLayout.JAVA_LONG_UNALIGNED, events + 12L * i + 4);
    }

    private long counter() {
        return guest.call(Sysno.EVENTFD2, 0, O_NONBLOCK);
    }

    private void add(long fd, long value) {
        assertThat(guest.call(Sysno.WRITE, fd, guest.words(value), 8)).isEqualTo(8);
    }

    private void drain(long fd) {
        assertThat(guest.call(Sysno.READ, fd, guest.alloc(8), 8)).isEqualTo(8);
    }

    @Test
    void aLevelTriggeredEntryIsReportedWithItsDataWhileReady() {
        assertThat(epfd).isGreaterThanOrEqualTo(3);
        long fd = counter();
        assertThat(control(ADD, fd, EPOLLIN | EPOLLOUT, 0x1234_5678_9abcL)).isZero();
        assertThat(waitFor(0)).isEqualTo(1);
        assertThat(reported(0)).as("writable, not readable").isEqualTo(EPOLLOUT);
        assertThat(data(0)).isEqualTo(0x1234_5678_9abcL);

        assertThat(control(MOD, fd, EPOLLIN, 7)).isZero();
        assertThat(waitFor(0)).isZero();
        add(fd, 1);
        assertThat(waitFor(0)).isEqualTo(1);
        assertThat(waitFor(0)).as("still ready: reported again").isEqualTo(1);
        assertThat((reported(0) & EPOLLIN) != 0 && data(0) == 7).isTrue();

        assertThat(control(DEL, fd, 0, 0)).isZero();
        assertThat(waitFor(0)).isZero();
    }

    @Test
    void edgeTriggeredAndOneShotEntriesAreReportedOnce() {
        long edge = counter();
        long once = counter();
        assertThat(control(ADD, edge, EPOLLIN | EPOLLET, 1)).isZero();
        assertThat(control(ADD, once, EPOLLIN | EPOLLONESHOT, 2)).isZero();
        add(edge, 1);
        add(once, 1);
        assertThat(waitFor(0)).isEqualTo(2);
        assertThat(waitFor(0)).as("both reported already").isZero();

        drain(edge);
        assertThat(waitFor(0)).as("a look while it is not ready").isZero();
        add(edge, 1);
        assertThat(waitFor(0)).as("the edge entry became ready again").isEqualTo(1);
        assertThat(data(0)).isEqualTo(1);

        assertThat(control(MOD, once, EPOLLIN | EPOLLONESHOT, 3)).isZero();
        assertThat(waitFor(0)).as("MOD rearms the one-shot entry").isEqualTo(1);
        assertThat(data(0)).isEqualTo(3);
    }

    @Test
    void epollCtlRefusesAsLinuxDoes() {
        long fd = counter();
        assertThat(control(ADD, fd, EPOLLIN, 0)).isZero();
        assertThat(control(ADD, fd, EPOLLIN, 0)).isEqualTo(err(Errno.EEXIST));
        assertThat(control(MOD, counter(), EPOLLIN, 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(control(DEL, counter(), 0, 0)).isEqualTo(err(Errno.ENOENT));
        assertThat(control(ADD, 99, EPOLLIN, 0)).isEqualTo(err(Errno.EBADF));
        assertThat(control(ADD, epfd, EPOLLIN, 0)).as("itself").isEqualTo(err(Errno.EINVAL));
        assertThat(control(ADD, guest.call(Sysno.EPOLL_CREATE1, 0), EPOLLIN, 0)).as("nesting").isEqualTo(err(Errno.EINVAL));
        long file = guest.open("/tmp/f", O_RDWR | O_CREAT, 0644);
        assertThat(control(ADD, file, EPOLLIN, 0)).as("a regular file").isEqualTo(err(Errno.EPERM));
        assertThat(control(9, fd, EPOLLIN, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.EPOLL_CTL, fd, ADD, fd, guest.alloc(12))).as("not an epoll fd").isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.EPOLL_WAIT, epfd, events, 0, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.EPOLL_WAIT, fd, events, 8, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.EPOLL_CREATE1, 1)).isEqualTo(err(Errno.EINVAL));
    }

    @Test
    void anEntryGoesWithTheLastFdOfItsFile() {
        long fd = counter();
        long copy = guest.call(Sysno.DUP, fd);
        add(fd, 1);
        assertThat(control(ADD, fd, EPOLLIN, 5)).isZero();
        assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
        assertThat(waitFor(0)).as("a dup still names the file").isEqualTo(1);
        assertThat(guest.call(Sysno.CLOSE, copy)).isZero();
        assertThat(waitFor(0)).isZero();
    }

    @Test
    void aWaitEndsWhenAFileBecomesReady() throws Exception {
        long pipe = guest.alloc(8);
        assertThat(guest.call(Sysno.PIPE2, pipe, 0)).isZero();
        long readEnd = guest.ram.get(ValueLayout.JAVA_INT_UNALIGNED, pipe);
        long writeEnd = guest.ram.get(ValueLayout.JAVA_INT_UNALIGNED, pipe + 4);
        assertThat(control(ADD, readEnd, EPOLLIN, 9)).isZero();
        assertThat(waitFor(20)).as("times out").isZero();

        CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> waitFor(-1));
        Thread.sleep(50);
        assertThat(waited).isNotDone();
        assertThat(guest.write(writeEnd, "x")).isEqualTo(1);
        assertThat(waited.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(data(0)).isEqualTo(9);
    }
}
