package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.RAM;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dispatch itself: unknown calls, bad guest addresses, the table's shape, randomness and sleep. */
class SyscallTableTest {

    /** Far outside the 1 MiB test RAM. */
    static final long BAD = 0x7000_0000L;

    @TempDir
    Path tmp;
    Guest guest;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(tmp.resolve("f"), "file content");
        Files.createSymbolicLink(tmp.resolve("link"), Path.of("f"));
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp"));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    @Test
    void theDefaultTableAcceptsTheForwardedFileCallsAndBlocksTheNetwork() {
        List<Sysno> blocked = List.of(Sysno.SOCKET, Sysno.CONNECT, Sysno.SHUTDOWN, Sysno.BIND, Sysno.LISTEN,
                Sysno.ACCEPT4, Sysno.SENDTO, Sysno.RECVFROM, Sysno.GETSOCKNAME, Sysno.GETPEERNAME, Sysno.SETSOCKOPT,
                Sysno.GETSOCKOPT);
        List<SyscallTable.Entry> entries = SyscallTable.defaults().entries();
        assertThat(entries.stream().map(SyscallTable.Entry::syscall).toList())
                .containsExactlyInAnyOrderElementsOf(Syscall.FORWARDED.stream()
                        .filter(call -> call.decidedAs().isEmpty()).toList());
        assertThat(entries.stream().filter(e -> e.action() instanceof SyscallAction.BlockNetwork)
                .map(e -> e.syscall().sysno()).toList()).containsExactlyInAnyOrderElementsOf(blocked);
        assertThat(entries).filteredOn(e -> !blocked.contains(e.syscall().sysno()))
                .allSatisfy(e -> assertThat(e.action()).isEqualTo(SyscallAction.accept()))
                .extracting(e -> e.syscall().sysno())
                .contains(Sysno.READ, Sysno.WRITE, Sysno.OPENAT, Sysno.NEWFSTATAT, Sysno.GETDENTS64, Sysno.RENAMEAT2);
    }

    @Test
    void callsWithoutEntryAreEnosys() {
        for (long number : new long[] {Sysno.PTRACE.number(), Sysno.MMAP.number(), 400, 463, 100_000, -1,
            1L << 40}) {
            SyscallRequest request = new SyscallRequest(number, 0, 0, 0, 0, 0, 0);
            assertThat(SyscallTable.defaults().dispatch(request, guest.memory, guest.io, guest.state)).as("call %d", number)
                    .isEqualTo(err(Errno.ENOSYS));
        }
    }

    @Test
    void socketCallsAreDeniedByDefaultAndHaveNoNetworkWhenAccepted() {
        SyscallRequest socket = SyscallRequest.of(Sysno.SOCKET, 2, 1, 0);
        SyscallRequest connect = SyscallRequest.of(Sysno.CONNECT, 1, guest.alloc(16), 16);
        assertThat(SyscallTable.defaults().dispatch(socket, guest.memory, guest.io, guest.state)).isEqualTo(err(Errno.EACCES));
        assertThat(SyscallTable.defaults().dispatch(connect, guest.memory, guest.io, guest.state)).isEqualTo(err(Errno.EACCES));
        SyscallTable open = SyscallTable.defaults().with(Syscall.NETWORK, SyscallAction.accept());
        assertThat(open.dispatch(socket, guest.memory, guest.io, guest.state)).isEqualTo(err(Errno.EAFNOSUPPORT));
        assertThat(open.dispatch(connect, guest.memory, guest.io, guest.state)).isEqualTo(err(Errno.ENOTSOCK));
        assertThat(open.dispatch(SyscallRequest.of(Sysno.LISTEN, 77, 1), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EBADF));
        // Every call on a socket fd: denied by default; accepted, no fd is a network socket.
        for (Syscall call : Syscall.NETWORK.subList(1, Syscall.NETWORK.size())) {
            SyscallRequest onStdout = new SyscallRequest(call.sysno().number(), 1, 0, 0, 0, 0, 0);
            SyscallRequest onNothing = new SyscallRequest(call.sysno().number(), 77, 0, 0, 0, 0, 0);
            assertThat(SyscallTable.defaults().dispatch(onStdout, guest.memory, guest.io, guest.state)).as(call.name())
                    .isEqualTo(err(Errno.EACCES));
            assertThat(open.dispatch(onStdout, guest.memory, guest.io, guest.state)).as(call.name()).isEqualTo(err(Errno.ENOTSOCK));
            assertThat(open.dispatch(onNothing, guest.memory, guest.io, guest.state)).as(call.name()).isEqualTo(err(Errno.EBADF));
        }
    }

    @Test
    void localSocketsPassTheNetworkBlockButReachNoSocketName() {
        SyscallTable table = SyscallTable.defaults();
        long fd = table.dispatch(SyscallRequest.of(Sysno.SOCKET, 1, 1 | 02000000, 0), guest.memory, guest.io, guest.state);
        assertThat(fd).isNotNegative();
        assertThat(guest.io.descriptors().fstat((int) fd).mode()).isEqualTo(0140777);
        long address = guest.alloc(110);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.BIND, fd, address, 110), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EACCES));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.CONNECT, fd, address, 110), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.ECONNREFUSED));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.LISTEN, fd, 1), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EINVAL));
        // Only AF_UNIX: AF_INET, AF_INET6 and calls on a file stay denied.
        for (long family : new long[] {2, 10, 16, 17}) {
            assertThat(table.dispatch(SyscallRequest.of(Sysno.SOCKET, family, 1, 0), guest.memory, guest.io, guest.state))
                    .as("family %d", family).isEqualTo(err(Errno.EACCES));
        }
        assertThat(table.dispatch(SyscallRequest.of(Sysno.CONNECT, 1, address, 16), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EACCES));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.CLOSE, fd), guest.memory, guest.io, guest.state)).isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.BIND, fd, address, 110), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EACCES));
    }

    @Test
    void fionbioSetsAndClearsNonBlockingOnAnyFd() {
        SyscallTable table = SyscallTable.defaults();
        long fds = guest.alloc(8);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.PIPE2, fds, 0), guest.memory, guest.io, guest.state)).isZero();
        int readEnd = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, fds);
        long on = guest.alloc(4);
        guest.ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, on, 1);
        long off = guest.alloc(4);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.IOCTL, readEnd, 0x5421, on), guest.memory, guest.io, guest.state))
                .isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.FCNTL, readEnd, 3), guest.memory, guest.io, guest.state) & 04000)
                .isEqualTo(04000);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.READ, readEnd, guest.alloc(4), 4), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EAGAIN));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.IOCTL, readEnd, 0x5421, off), guest.memory, guest.io, guest.state))
                .isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.FCNTL, readEnd, 3), guest.memory, guest.io, guest.state) & 04000)
                .isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.IOCTL, 77, 0x5421, on), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EBADF));
    }

    @Test
    void sendAndReceiveMoveDataOnASocketPairUnderTheDefaultTable() {
        SyscallTable table = SyscallTable.defaults();
        long fds = guest.alloc(8);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SOCKETPAIR, 1, 1, 0, fds), guest.memory, guest.io, guest.state)).isZero();
        int a = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, fds);
        int b = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, fds + 4);
        long data = guest.string("hi");
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SENDTO, a, data, 2, 0x4000, 0, 0), guest.memory, guest.io, guest.state))
                .isEqualTo(2);
        long into = guest.alloc(8);
        long length = guest.alloc(4);
        guest.ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, length, 16);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.RECVFROM, b, into, 8, 0, guest.alloc(16), length),
                guest.memory, guest.io, guest.state)).isEqualTo(2);
        assertThat(guest.text(into, 2)).isEqualTo("hi");
        assertThat(guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, length)).isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.RECVFROM, b, into, 8, 0x40, 0, 0), guest.memory, guest.io, guest.state))
                .as("MSG_DONTWAIT on an empty socket").isEqualTo(err(Errno.EAGAIN));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.RECVFROM, b, into, 8, 2, 0, 0), guest.memory, guest.io, guest.state))
                .as("MSG_PEEK").isEqualTo(err(Errno.EOPNOTSUPP));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SENDTO, a, data, 2, 0, guest.alloc(16), 16), guest.memory,
                guest.io, guest.state)).isEqualTo(err(Errno.EISCONN));
    }

    @Test
    void shutdownOfASocketPairsEndEndsOneDirection() {
        SyscallTable table = SyscallTable.defaults();
        long fds = guest.alloc(8);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SOCKETPAIR, 1, 1, 0, fds), guest.memory, guest.io, guest.state)).isZero();
        int a = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, fds);
        int b = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, fds + 4);
        long into = guest.alloc(8);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SHUTDOWN, a, 1), guest.memory, guest.io, guest.state)).isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.READ, b, into, 8), guest.memory, guest.io, guest.state))
                .as("the peer reads end of file").isZero();
        assertThat(table.dispatch(SyscallRequest.of(Sysno.WRITE, a, guest.string("x"), 1), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EPIPE));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.WRITE, b, guest.string("y"), 1), guest.memory, guest.io, guest.state))
                .as("the other direction still works").isEqualTo(1);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.READ, a, into, 8), guest.memory, guest.io, guest.state)).isEqualTo(1);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SHUTDOWN, a, 3), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EINVAL));
        long pipe = guest.alloc(8);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.PIPE2, pipe, 0), guest.memory, guest.io, guest.state)).isZero();
        int readEnd = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, pipe);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SHUTDOWN, readEnd, 1), guest.memory, guest.io, guest.state))
                .as("not a socket: the default table refuses it as the network").isEqualTo(err(Errno.EACCES));
    }

    @Test
    void aSocketPairsEndsAreUnnamedUnixSockets() {
        SyscallTable table = SyscallTable.defaults();
        long fds = guest.alloc(8);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SOCKETPAIR, 1, 1, 0, fds), guest.memory, guest.io, guest.state)).isZero();
        int a = guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, fds);
        for (Sysno call : List.of(Sysno.GETSOCKNAME, Sysno.GETPEERNAME)) {
            long address = guest.alloc(16);
            long length = guest.alloc(4);
            guest.ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, length, 16);
            assertThat(table.dispatch(SyscallRequest.of(call, a, address, length), guest.memory, guest.io, guest.state))
                    .as(call.linuxName()).isZero();
            assertThat(guest.ram.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, address)).as("AF_UNIX").isEqualTo((short) 1);
            assertThat(guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, length)).isEqualTo(2);
        }
        long value = guest.alloc(4);
        long length = guest.alloc(4);
        guest.ram.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, length, 4);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.GETSOCKOPT, a, 1, 3, value, length), guest.memory, guest.io,
                guest.state)).as("SO_TYPE").isZero();
        assertThat(guest.ram.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, value)).as("SOCK_STREAM").isEqualTo(1);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.GETSOCKOPT, a, 1, 7, value, length), guest.memory, guest.io,
                guest.state)).as("SO_SNDBUF").isEqualTo(err(Errno.ENOPROTOOPT));
    }

    @Test
    void aTableWithAnOverrideLeavesTheDefaultsAlone() {
        AtomicReference<String> seen = new AtomicReference<>();
        SyscallTable table = SyscallTable.defaults().with(Syscall.OPENAT, SyscallAction.intercept((call, next) -> {
            seen.set(call.path() + " " + call.flagNames());
            throw new ErrnoException(Errno.EACCES);
        })).with(Syscall.of(Sysno.GETUID), SyscallAction.intercept((call, next) -> 42));
        SyscallRequest open = SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, guest.string("/tmp/f"), O_RDONLY | O_CLOEXEC);
        assertThat(table.dispatch(open, guest.memory, guest.io, guest.state)).isEqualTo(err(Errno.EACCES));
        assertThat(seen.get()).isEqualTo("/tmp/f [O_RDONLY, O_CLOEXEC]");
        assertThat(table.dispatch(SyscallRequest.of(Sysno.GETUID), guest.memory, guest.io, guest.state)).isEqualTo(42);
        assertThat(SyscallTable.defaults().dispatch(open, guest.memory, guest.io, guest.state)).isGreaterThanOrEqualTo(3);
        assertThat(SyscallTable.defaults().action(Syscall.of(Sysno.GETUID))).isEmpty();
    }

    @Test
    void guestMemoryFailuresInAnyHandlerBecomeErrno() {
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.of(Sysno.SETHOSTNAME), SyscallAction.intercept(
                        (call, next) -> call.memory().readCString(call.argument(0), 64).length()))
                .with(Syscall.of(Sysno.SYNCFS), SyscallAction.intercept(
                        (call, next) -> call.memory().range(call.argument(0), call.argument(1)).byteSize()));
        long name = guest.alloc(100);
        guest.ram.asSlice(name, 100).fill((byte) 'h');
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SETHOSTNAME, name), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.ENAMETOOLONG));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SYNCFS, RAM - 8, 16), guest.memory, guest.io, guest.state))
                .isEqualTo(err(Errno.EFAULT));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SYNCFS, RAM - 8, 8), guest.memory, guest.io, guest.state)).isEqualTo(8);
    }

    @Test
    void everyPointerOutsideGuestRamIsEfault() {
        long fd = guest.open("/tmp/f", O_RDWR);
        long dir = guest.open("/tmp", O_RDONLY | O_DIRECTORY);
        long path = guest.string("/tmp/f");
        long buffer = guest.alloc(256);
        long[][] calls = {
            {Sysno.READ.number(), fd, BAD, 8},
            {Sysno.READ.number(), fd, RAM - 4, 8},
            {Sysno.READ.number(), fd, buffer, -1},
            {Sysno.WRITE.number(), 1, BAD, 8},
            {Sysno.WRITE.number(), 1, -4096, 8},
            {Sysno.PREAD64.number(), fd, BAD, 8, 0},
            {Sysno.PWRITE64.number(), fd, BAD, 8, 0},
            {Sysno.OPENAT.number(), AT_FDCWD, BAD, O_RDONLY},
            {Sysno.NEWFSTATAT.number(), AT_FDCWD, path, BAD, 0},
            {Sysno.NEWFSTATAT.number(), AT_FDCWD, path, RAM - 100, 0},
            {Sysno.NEWFSTATAT.number(), AT_FDCWD, BAD, buffer, 0},
            {Sysno.FACCESSAT.number(), AT_FDCWD, BAD, F_OK},
            {Sysno.GETDENTS64.number(), dir, BAD, 256},
            {Sysno.GETCWD.number(), BAD, 256},
            {Sysno.CHDIR.number(), BAD},
            {Sysno.MKDIRAT.number(), AT_FDCWD, BAD, 0755},
            {Sysno.UNLINKAT.number(), AT_FDCWD, BAD, 0},
            {Sysno.RENAMEAT2.number(), AT_FDCWD, BAD, AT_FDCWD, path, 0},
            {Sysno.RENAMEAT2.number(), AT_FDCWD, path, AT_FDCWD, BAD, 0},
            {Sysno.READLINKAT.number(), AT_FDCWD, guest.string("/tmp/link"), BAD, 64},
            {Sysno.READLINKAT.number(), AT_FDCWD, BAD, buffer, 64},
            {Sysno.GETRANDOM.number(), BAD, 16, 0},
            {Sysno.NANOSLEEP.number(), BAD, 0},
        };
        for (long[] call : calls) {
            long[] args = Arrays.copyOf(Arrays.copyOfRange(call, 1, call.length), 6);
            SyscallRequest request = new SyscallRequest(call[0], args[0], args[1], args[2], args[3], args[4], args[5]);
            assertThat(SyscallTable.defaults().dispatch(request, guest.memory, guest.io, guest.state))
                    .as("%s %s", Sysno.nameOf(call[0]), Arrays.toString(args)).isEqualTo(err(Errno.EFAULT));
        }
        assertThat(tmp.resolve("f")).hasContent("file content");
    }

    @Test
    void aPathRunningOffTheEndOfRamIsEfaultAndAnUnterminatedOneIsTooLong() {
        long end = RAM - 3;
        guest.ram.asSlice(end, 3).fill((byte) 'a');
        assertThat(guest.call(Sysno.OPENAT, AT_FDCWD, end, O_RDONLY)).isEqualTo(err(Errno.EFAULT));
        long unterminated = guest.alloc(5000);
        guest.ram.asSlice(unterminated, 5000).fill((byte) 'a');
        assertThat(guest.call(Sysno.OPENAT, AT_FDCWD, unterminated, O_RDONLY)).isEqualTo(err(Errno.ENAMETOOLONG));
    }

    @Test
    void zeroLengthTransfersNeedNoBuffer() {
        long fd = guest.open("/tmp/f", O_RDONLY);
        assertThat(guest.call(Sysno.READ, fd, 0, 0)).isZero();
        assertThat(guest.call(Sysno.WRITE, 1, 0, 0)).isZero();
    }

    @Test
    void getrandomFillsTheBufferAndChecksFlags() {
        long a = guest.alloc(64);
        long b = guest.alloc(64);
        assertThat(guest.call(Sysno.GETRANDOM, a, 64, 0)).isEqualTo(64);
        assertThat(guest.call(Sysno.GETRANDOM, b, 64, 1 | 2)).isEqualTo(64);
        byte[] first = guest.ram.asSlice(a, 64).toArray(ValueLayout.JAVA_BYTE);
        byte[] second = guest.ram.asSlice(b, 64).toArray(ValueLayout.JAVA_BYTE);
        assertThat(first).isNotEqualTo(new byte[64]).isNotEqualTo(second);
        assertThat(guest.call(Sysno.GETRANDOM, a, 64, 4)).isEqualTo(64);
        assertThat(guest.call(Sysno.GETRANDOM, a, 64, 2 | 4)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.GETRANDOM, a, 64, 8)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.GETRANDOM, a, 0, 0)).isZero();
        long big = guest.alloc(200_000);
        assertThat(guest.call(Sysno.GETRANDOM, big, 200_000, 0)).isEqualTo(200_000);
        assertThat(guest.ram.asSlice(big + 199_000, 1000).toArray(ValueLayout.JAVA_BYTE)).isNotEqualTo(new byte[1000]);
    }

    long timespec(long seconds, long nanos) {
        long at = guest.alloc(16);
        guest.ram.set(ValueLayout.JAVA_LONG_UNALIGNED, at, seconds);
        guest.ram.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8, nanos);
        return at;
    }

    @Test
    void nanosleepSleepsAndValidatesItsInterval() {
        long start = System.nanoTime();
        assertThat(guest.call(Sysno.NANOSLEEP, timespec(0, 50_000_000), 0)).isZero();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(50_000_000);
        assertThat(guest.call(Sysno.NANOSLEEP, timespec(0, 1_000_000_000), 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.NANOSLEEP, timespec(0, -1), 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.NANOSLEEP, timespec(-1, 0), 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.NANOSLEEP, timespec(0, 0), BAD)).as("rem is only written on EINTR").isZero();
    }

    @Test
    void anInterruptEndsTheSleepWithEintrAndTheTimeLeft() throws Exception {
        long request = timespec(30, 0);
        long remaining = guest.alloc(16);
        AtomicLong result = new AtomicLong();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread sleeper = Thread.ofPlatform().start(() -> {
            result.set(SyscallTable.defaults().dispatch(SyscallRequest.of(Sysno.NANOSLEEP, request, remaining),
                    guest.memory, guest.io, guest.state));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        Thread.sleep(100);
        sleeper.interrupt();
        sleeper.join(5_000);
        assertThat(sleeper.isAlive()).isFalse();
        assertThat(result.get()).isEqualTo(err(Errno.EINTR));
        assertThat(stillInterrupted.get()).isTrue();
        long secondsLeft = guest.u64(remaining, 0);
        assertThat(secondsLeft).isBetween(25L, 29L);
        assertThat(guest.u64(remaining, 8)).isBetween(0L, 999_999_999L);
    }
}
