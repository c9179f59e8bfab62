package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The mcp subcommand's options, refused or explained before any sandbox opens. */
@Tag("no-vm")
class McpCommandOptionsTest {

    @Test
    void helpNamesTheToolsAndTheOptionsThatApplyToEveryCall() {
        CommandOutcome outcome = CommandOutcome.run("mcp", "--help");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).contains("run_python and run_javascript").contains("--timeout")
                .contains("--allow-network").contains("--memory");
    }

    @Test
    void aMalformedLimitIsAUsageErrorBeforeTheServerStarts() {
        CommandOutcome outcome = CommandOutcome.run("mcp", "--timeout", "soon");

        assertThat(outcome.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).startsWith("hyperlight-nanvix mcp: ");
    }
}
