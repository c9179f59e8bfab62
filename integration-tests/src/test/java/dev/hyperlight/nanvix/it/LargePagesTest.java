package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest kernel's 2 MiB large pages on a real VM: a large anonymous mapping starts aligned,
 * and mprotect, munmap, madvise and mremap on part of a large page split it without losing the
 * other pages' contents (guests/large-pages.c checks each step and names the one that failed).
 */
class LargePagesTest {

    @TempDir
    Path tmp;

    @Test
    void partialChangesSplitALargePageAndKeepTheRest() throws Exception {
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(tmp).build())) {
            RunResult result = sandbox.run(Guests.guest("large-pages"));

            assertThat(result.stdoutText()).isEqualTo(
                    "large pages: mprotect, munmap, madvise and mremap on part of one keep the rest\n");
            assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        }
    }
}
