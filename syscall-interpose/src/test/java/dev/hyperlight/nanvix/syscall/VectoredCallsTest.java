package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.O_CREAT;
import static dev.hyperlight.nanvix.abi.Fcntl.O_RDWR;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.memory.IoVectors;
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
 * readv, writev, preadv and pwritev: the host reads the iovec array itself and decides each as the
 * plain read or write over the gathered vectors, so policies and audits see read and write.
 */
class VectoredCallsTest {

    @TempDir
    Path tmp;
    Guest guest;

    @BeforeEach
    void start() {
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp"));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    /** An iovec array over {@code (base, length)} pairs. */
    private long iovecs(long... baseLengthPairs) {
        return guest.words(baseLengthPairs);
    }

    private String text(long at, int length) {
        byte[] bytes = guest.ram.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void writevWritesTheVectorsInOrderAsOneWrite() throws IOException {
        long fd = guest.open("/tmp/v", O_CREAT | O_RDWR, 0644);
        long iov = iovecs(guest.bytes("hello"), 5, guest.bytes("--"), 0, guest.bytes(", "), 2, guest.bytes("world"), 5);

        assertThat(guest.call(Sysno.WRITEV, fd, iov, 4)).isEqualTo(12);
        assertThat(tmp.resolve("v")).hasContent("hello, world");
    }

    @Test
    void readvFillsEachVectorInTurnAndLeavesTheRestAlone() throws IOException {
        Files.writeString(tmp.resolve("r"), "abcdefgh");
        long fd = guest.open("/tmp/r", O_RDWR, 0);
        long first = guest.bytes("xxx");
        long second = guest.bytes("yyyyyyyyyy");
        long iov = iovecs(first, 3, second, 10);

        assertThat(guest.call(Sysno.READV, fd, iov, 2)).isEqualTo(8);
        assertThat(text(first, 3)).isEqualTo("abc");
        assertThat(text(second, 10)).isEqualTo("defghyyyyy");
    }

    @Test
    void preadvAndPwritevUseTheirOffsetAndLeaveThePosition() throws IOException {
        Files.writeString(tmp.resolve("p"), "0123456789");
        long fd = guest.open("/tmp/p", O_RDWR, 0);
        long a = guest.alloc(2);
        long b = guest.alloc(3);

        assertThat(guest.call(Sysno.PREADV, fd, iovecs(a, 2, b, 3), 2, 4)).isEqualTo(5);
        assertThat(text(a, 2) + "|" + text(b, 3)).isEqualTo("45|678");
        assertThat(guest.call(Sysno.PWRITEV, fd, iovecs(guest.bytes("AB"), 2, guest.bytes("C"), 1), 2, 1)).isEqualTo(3);
        assertThat(tmp.resolve("p")).hasContent("0ABC456789");
        assertThat(guest.read(fd, 3)).as("the position did not move").isEqualTo("0AB");
    }

    @Test
    void badArraysGiveLinuxsErrors() {
        long fd = guest.open("/tmp/e", O_CREAT | O_RDWR, 0644);
        assertThat(guest.call(Sysno.WRITEV, fd, iovecs(guest.bytes("x"), 1), IoVectors.IOV_MAX + 1))
                .isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.WRITEV, fd, iovecs(guest.bytes("x"), 1, guest.bytes("y"), -1), 2))
                .as("a length negative as ssize_t").isEqualTo(err(Errno.EINVAL));
        assertThat(guest.call(Sysno.WRITEV, fd, Guest.RAM - 8, 1)).as("array past RAM").isEqualTo(err(Errno.EFAULT));
        assertThat(guest.call(Sysno.READV, fd, iovecs(Guest.RAM - 4, 8), 1)).as("vector past RAM")
                .isEqualTo(err(Errno.EFAULT));
        assertThat(guest.call(Sysno.WRITEV, 99, iovecs(guest.bytes("x"), 1), 1)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.WRITEV, fd, 0, 0)).as("no vectors").isZero();
    }

    @Test
    void overlappingVectorsAreCappedNotMultipliedInHostMemory() {
        long buffer = guest.alloc(512 << 10);
        long[] pairs = new long[2 * IoVectors.IOV_MAX];
        for (int i = 0; i < IoVectors.IOV_MAX; i++) {
            pairs[2 * i] = buffer;
            pairs[2 * i + 1] = 512 << 10;
        }
        // 1,024 views of the same 512 KiB are 512 MiB: the transfer stops at the cap.
        IoVectors vectors = IoVectors.of(guest.memory, iovecs(pairs), IoVectors.IOV_MAX, false);
        assertThat(vectors.length()).isEqualTo(IoVectors.MAX_GATHERED);
        assertThat(vectors.readable(vectors.address(), vectors.length()).byteSize()).isEqualTo(IoVectors.MAX_GATHERED);
        vectors.commit();
    }

    @Test
    void policiesAndAuditsSeeThePlainCall() {
        List<String> seen = new ArrayList<>();
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.WRITE, SyscallAction.intercept((call, next) -> {
                    seen.add(call.name() + " " + call.buffer().byteSize());
                    return next.proceed(call);
                }))
                .withAudit(record -> seen.add("audit " + record.call()));
        long fd = guest.open("/tmp/a", O_CREAT | O_RDWR, 0644);
        long iov = iovecs(guest.bytes("ab"), 2, guest.bytes("cde"), 3);

        assertThat(table.dispatch(SyscallRequest.of(Sysno.WRITEV, fd, iov, 2), guest.memory, guest.io, guest.state))
                .isEqualTo(5);
        assertThat(seen).containsExactly("write 5", "audit write");
        assertThatThrownBy(() -> SyscallTable.defaults().with(Syscall.READV, SyscallAction.block(Errno.EPERM)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give read the action");
        assertThat(SyscallTable.defaults().entries()).noneMatch(e -> e.syscall().decidedAs().isPresent());
    }
}
