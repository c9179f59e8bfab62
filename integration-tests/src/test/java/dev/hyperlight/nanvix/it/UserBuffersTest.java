package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host reads and writes the program's own pages for the forwarded data calls, on a real VM:
 * buffers, paths and stat structures across page boundaries and in pages not touched yet, a
 * buffer larger than a 2 MiB page, and read-only or unmapped pages as EFAULT with nothing written
 * (guests/user-buffers.c checks each and names the one that failed).
 */
class UserBuffersTest {

    @TempDir
    Path tmp;

    @Test
    void theHostMovesDataStraightBetweenFilesAndTheProgramsPages() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("user-buffers"));

            assertThat(result.stdoutText()).isEqualTo("user buffers: ok\n");
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        }
    }
}
