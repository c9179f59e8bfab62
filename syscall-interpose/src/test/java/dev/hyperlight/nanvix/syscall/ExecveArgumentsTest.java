package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * execve's argument decoding: the string counts and the block are the guest's, so they are checked
 * before anything is decoded. Without a VMM behind it the call then fails with ENOSYS, which shows
 * the decoding passed.
 */
class ExecveArgumentsTest {

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

    private long execve(long block, long length, long argc, long envc) {
        return guest.call(Sysno.EXECVE, guest.string("/tmp/p"), block, length, argc, envc);
    }

    @Test
    void wellFormedStringsReachTheProcessControl() {
        assertThat(execve(guest.bytes("p\0A=1\0"), 6, 1, 1)).isEqualTo(err(Errno.ENOSYS));
    }

    /** Found by SyscallDispatchFuzzTest: argc + envc overflowed past the block check (IllegalArgumentException, IndexOutOfBoundsException). */
    @Test
    void countsWhoseSumOverflowsAreTooBig() {
        long block = guest.bytes("p\0A=1\0");
        assertThat(execve(block, 6, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(err(Errno.E2BIG));
        assertThat(execve(block, 6, Long.MAX_VALUE, 2)).isEqualTo(err(Errno.E2BIG));
        assertThat(execve(block, 6, (1L << 32) + 1, 1)).isEqualTo(err(Errno.E2BIG));
    }

    @Test
    void moreStringsThanAnImageHoldsAreTooBig() {
        int count = (int) ProcessSyscalls.MAX_STRINGS + 1;
        assertThat(execve(guest.alloc(count), count, count, 0)).as("that many empty strings")
                .isEqualTo(err(Errno.E2BIG));
    }

    @Test
    void countsTheBlockCannotHoldAreInvalid() {
        assertThat(execve(guest.bytes("p\0A=1\0"), 6, 3, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(execve(guest.bytes("p\0A=1\0"), 6, 7, 0)).isEqualTo(err(Errno.EINVAL));
        assertThat(execve(guest.bytes("p\0A=1\0"), 6, -1, 1)).isEqualTo(err(Errno.EINVAL));
    }
}
