package dev.hyperlight.nanvix.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolArgumentsTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void codeAloneRunsWithoutArgumentsUnderTheServersLimit() {
        assertThat(ToolArguments.parse(Map.of("code", "print(1)"), LIMIT))
                .isEqualTo(new ToolArguments("print(1)", List.of(), LIMIT));
    }

    @Test
    void argumentsAndAShorterTimeoutAreTaken() {
        ToolArguments parsed = ToolArguments.parse(
                Map.of("code", "x", "args", List.of("a", "b c"), "timeout_seconds", 2.5), LIMIT);

        assertThat(parsed.args()).containsExactly("a", "b c");
        assertThat(parsed.timeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void aLongerTimeoutIsCappedByTheServersLimit() {
        assertThat(ToolArguments.parse(Map.of("code", "x", "timeout_seconds", 1e300), LIMIT).timeout())
                .isEqualTo(LIMIT);
        assertThat(ToolArguments.parse(Map.of("code", "x", "timeout_seconds", 31), LIMIT).timeout()).isEqualTo(LIMIT);
    }

    @Test
    void malformedArgumentsAreRefusedByName() {
        Map<String, Object> nullCode = new HashMap<>();
        nullCode.put("code", null);
        assertThatThrownBy(() -> ToolArguments.parse(null, LIMIT)).hasMessageContaining("'code'");
        assertThatThrownBy(() -> ToolArguments.parse(nullCode, LIMIT)).hasMessageContaining("'code'");
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", " "), LIMIT)).hasMessageContaining("'code'");
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", 7), LIMIT)).hasMessageContaining("'code'");
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", "x", "args", "a b"), LIMIT))
                .hasMessageContaining("'args'");
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", "print(1)\0"), LIMIT))
                .hasMessageContaining("'code' must not contain a NUL");
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", "x", "args", List.of("a\0b")), LIMIT))
                .hasMessageContaining("'args'");
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", "x", "args", List.of("a", 1)), LIMIT))
                .hasMessageContaining("'args'");
        for (Object timeout : List.of(0, -1, Double.NaN, Double.POSITIVE_INFINITY, "5")) {
            assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", "x", "timeout_seconds", timeout), LIMIT))
                    .as("timeout_seconds %s", timeout)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'timeout_seconds'");
        }
        assertThatThrownBy(() -> ToolArguments.parse(Map.of("code", "x", "cwd", "/"), LIMIT))
                .hasMessageContaining("unknown argument 'cwd'");
    }
}
