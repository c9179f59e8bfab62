package dev.hyperlight.nanvix.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Termination;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The examples on a real VM, with guest-examples/hello-c (which writes and reads /tmp/hello.txt). */
class ExamplesTest {

    private static final Path HELLO = Path.of(System.getProperty("examples.dir", "../guest-examples"), "hello-c");

    @Test
    void auditOpenatSeesEveryOpenWithItsFlagsAndResult() throws Exception {
        ByteArrayOutputStream audit = new ByteArrayOutputStream();
        RunResult result = AuditOpenat.run(HELLO, new PrintStream(audit, true, StandardCharsets.UTF_8));

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(audit.toString(StandardCharsets.UTF_8))
                .containsPattern("openat /tmp/hello.txt O_WRONLY\\|O_CREAT\\|O_TRUNC -> \\d+")
                .containsPattern("openat /tmp/hello.txt O_RDONLY -> \\d+");
    }

    @Test
    void readOnlyNoNetworkRefusesTheWrite() throws Exception {
        AtomicInteger refused = new AtomicInteger();
        RunResult result = ReadOnlyNoNetwork.run(HELLO, refused);

        assertThat(refused.get()).isEqualTo(1);
        assertThat(result.stderrText()).contains("fopen /tmp/hello.txt: Permission denied");
    }
}
