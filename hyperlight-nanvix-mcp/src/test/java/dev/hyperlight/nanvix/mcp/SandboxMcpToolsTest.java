package dev.hyperlight.nanvix.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Termination;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class SandboxMcpToolsTest {

    @Test
    void eachToolRequiresCodeAndTakesArgsAndATimeout() {
        McpSchema.Tool python = SandboxMcpTools.definition(GuestRuntime.PYTHON);
        McpSchema.Tool javascript = SandboxMcpTools.definition(GuestRuntime.JAVASCRIPT);

        assertThat(python.name()).isEqualTo("run_python");
        assertThat(javascript.name()).isEqualTo("run_javascript");
        for (McpSchema.Tool tool : List.of(python, javascript)) {
            assertThat(tool.inputSchema()).containsEntry("type", "object").containsEntry("required", List.of("code"))
                    .containsEntry("additionalProperties", false);
            assertThat(tool.inputSchema().get("properties")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsOnlyKeys("code", "args", "timeout_seconds");
        }
    }

    @Test
    void theResultTextSaysHowTheRunEndedAndKeepsBothStreams() {
        RunResult timedOut = new RunResult(new Termination.TimedOut(Duration.ofSeconds(2)),
                "partial".getBytes(StandardCharsets.UTF_8), new byte[0], true, Duration.ofSeconds(2), Map.of(),
                Set.of(), Map.of());

        assertThat(SandboxMcpTools.text(timedOut)).isEqualTo("""
                exit status: 124 (timed out after 2s)
                note: the output was longer than the limit and was cut
                stdout:
                partial
                stderr:
                """);
    }
}
