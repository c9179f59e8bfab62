package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linux calls served by conversion in the guest kernel, checked against their classic forms. */
class LinuxCallsTest {

    @TempDir
    Path tmp;

    @Test
    void statxAgreesWithStat() throws Exception {
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("statx"));

            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
            assertThat(result.stdoutText()).isEqualTo("size 5 mode 100644 nlink 1 same inode 1 same mtime 1\n");
        }
    }
}
