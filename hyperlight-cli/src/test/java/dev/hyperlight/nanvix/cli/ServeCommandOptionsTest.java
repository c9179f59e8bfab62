package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serve subcommand's options, refused or explained before the server starts. */
@Tag("no-vm")
class ServeCommandOptionsTest {

    @TempDir
    Path tmp;

    @Test
    void helpNamesTheEndpointsAndTheOptions() {
        CommandOutcome outcome = CommandOutcome.run("serve", "--help");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).contains("POST /v1/run").contains("GET /health").contains("/openapi.json")
                .contains("--port").contains("--bind").contains("--token-file").contains("--max-concurrent")
                .contains("--max-request-size").contains("--timeout").contains("--memory").contains("--template-cache");
    }

    @Test
    void theMainHelpMentionsServe() {
        assertThat(CommandOutcome.run("--help").out()).contains("hyperlight-nanvix serve [OPTIONS]");
    }

    @Test
    void badValuesAreUsageErrorsBeforeTheServerStarts() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty-token"), "\n");
        for (String[] args : new String[][] {
                {"serve", "--port", "70000"},
                {"serve", "--max-concurrent", "0"},
                {"serve", "--max-request-size", "lots"},
                {"serve", "--bind", "no such host.invalid"},
                {"serve", "--token-file", tmp.resolve("missing").toString()},
                {"serve", "--token-file", empty.toString()},
                {"serve", "--timeout", "soon"}}) {
            CommandOutcome outcome = CommandOutcome.run(args);

            assertThat(outcome.status()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(outcome.out()).isEmpty();
            assertThat(outcome.err()).startsWith("hyperlight-nanvix serve: ");
        }
    }
}
