package dev.hyperlight.nanvix.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Termination;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example on real VMs: four snippets, four VMs, each ending its own way. */
class RunGeneratedJavaScriptTest {

    @Test
    void eachSnippetEndsInItsOwnVm() throws Exception {
        List<RunResult> results = RunGeneratedJavaScript.runAll(List.of(
                "console.log([3, 1, 2].sort().join(' < '))",
                "for (;;) {}",
                "console.log(std.loadFile('/etc/passwd'))",
                "throw new Error('the model made a mistake')"));

        assertThat(results.get(0).stdoutText()).isEqualTo("1 < 2 < 3\n");
        assertThat(results.get(0).success()).isTrue();
        assertThat(results.get(1).termination()).isInstanceOf(Termination.TimedOut.class);
        assertThat(results.get(2).stdoutText()).as("the host's /etc is not in the guest").isEqualTo("null\n");
        assertThat(results.get(3).exitCode()).isEqualTo(1);
        assertThat(results.get(3).stderrText()).contains("Error: the model made a mistake");
    }
}
