package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** fds 0, 1 and 2: the caller's streams. */
class ConsoleTest {

    static final int S_IFCHR = 0020000;
    Guest guest;

    @BeforeEach
    void start() {
        guest = new Guest(IoConfig.builder(), "line one\nline two\n");
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    @Test
    void writesGoToStdoutAndStderr() {
        assertThat(guest.write(1, "out \u00e9")).isEqualTo(6);
        assertThat(guest.write(2, "err")).isEqualTo(3);
        assertThat(guest.stdout.toString(StandardCharsets.UTF_8)).isEqualTo("out \u00e9");
        assertThat(guest.stderr.toString(StandardCharsets.UTF_8)).isEqualTo("err");
    }

    @Test
    void readsComeFromStdinUntilEndOfInput() {
        assertThat(guest.read(0, 5)).isEqualTo("line ");
        assertThat(guest.read(0, 100)).isEqualTo("one\nline two\n");
        assertThat(guest.read(0, 100)).isEmpty();
    }

    @Test
    void consoleFdsWorkOneWayOnly() {
        assertThat(guest.call(Sysno.READ, 1, guest.alloc(4), 4)).isEqualTo(err(Errno.EBADF));
        assertThat(guest.write(0, "x")).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.PREAD64, 0, guest.alloc(4), 4, 0)).isEqualTo(err(Errno.ESPIPE));
        assertThat(guest.call(Sysno.PWRITE64, 1, guest.bytes("x"), 1, 0)).isEqualTo(err(Errno.ESPIPE));
    }

    @Test
    void consoleFdsAreCharacterDevices() {
        for (int fd = 0; fd <= 2; fd++) {
            long stat = guest.alloc(144);
            assertThat(guest.call(Sysno.NEWFSTATAT, fd, guest.string(""), stat, AT_EMPTY_PATH)).isZero();
            assertThat(guest.u32(stat, 24) & 0170000).isEqualTo(S_IFCHR);
        }
    }

    @Test
    void aClosedConsoleFdIsGoneButTheStreamIsNotClosed() {
        assertThat(guest.call(Sysno.CLOSE, 1)).isZero();
        assertThat(guest.write(1, "lost")).isEqualTo(err(Errno.EBADF));
        assertThat(guest.call(Sysno.DUP, 2)).isEqualTo(1);
        assertThat(guest.write(1, "via stderr")).isEqualTo(10);
        assertThat(guest.stderr.toString(StandardCharsets.UTF_8)).isEqualTo("via stderr");
    }
}
