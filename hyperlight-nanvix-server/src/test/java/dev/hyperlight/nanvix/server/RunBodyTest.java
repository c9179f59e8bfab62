package dev.hyperlight.nanvix.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("no-vm")
class RunBodyTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static RuntimeConfig limits() throws SandboxException {
        return RuntimeConfig.builder().timeout(Duration.ofSeconds(30)).memorySize(256L << 20).outputLimit(1000).build();
    }

    private static RunBody parse(String json) throws Exception {
        return RunBody.parse(MAPPER.readTree(json), limits());
    }

    private static JsonNode tree(String json) throws Exception {
        return MAPPER.readTree(json);
    }

    @Test
    void codeAloneRunsUnderTheServersLimits() throws Exception {
        assertThat(parse("{\"language\":\"python\",\"code\":\"print(1)\"}"))
                .isEqualTo(new RunBody(GuestRuntime.PYTHON, "print(1)", List.of(), Optional.empty(),
                        Duration.ofSeconds(30), 256L << 20, 1000));
    }

    @Test
    void lowerLimitsArgumentsAndStdinAreTaken() throws Exception {
        RunBody body = parse("{\"language\":\"javascript\",\"code\":\"x\",\"args\":[\"a\",\"b c\"],\"stdin\":\"in\","
                + "\"timeoutMs\":2500,\"memoryMb\":64,\"maxOutputBytes\":10}");

        assertThat(body).isEqualTo(new RunBody(GuestRuntime.JAVASCRIPT, "x", List.of("a", "b c"), Optional.of("in"),
                Duration.ofMillis(2500), 64L << 20, 10));
    }

    @Test
    void limitsAboveTheServersAreLoweredToThem() throws Exception {
        RunBody body = parse("{\"language\":\"python\",\"code\":\"x\",\"timeoutMs\":9223372036854775807,"
                + "\"memoryMb\":100000,\"maxOutputBytes\":1000000000000}");

        assertThat(body.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(body.memoryBytes()).isEqualTo(256L << 20);
        assertThat(body.outputLimit()).isEqualTo(1000);
    }

    @Test
    void aServerWithoutATimeoutTakesTheRequests() throws Exception {
        RuntimeConfig unlimited = RuntimeConfig.builder().timeout(Duration.ZERO).build();

        assertThat(RunBody.parse(tree("{\"language\":\"python\",\"code\":\"x\",\"timeoutMs\":5}"), unlimited).timeout())
                .isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void malformedBodiesAreRefusedNamingTheField() {
        assertRefused("[]", "JSON object");
        assertRefused("{\"code\":\"x\"}", "'language'");
        assertRefused("{\"language\":\"ruby\",\"code\":\"x\"}", "'language'");
        assertRefused("{\"language\":\"python\"}", "'code'");
        assertRefused("{\"language\":\"python\",\"code\":\"  \"}", "'code'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"args\":\"a\"}", "'args'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"args\":[1]}", "'args'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\\u0000y\"}", "NUL");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"args\":[\"a\\u0000\"]}", "NUL");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"stdin\":5}", "'stdin'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"timeoutMs\":0}", "'timeoutMs'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"timeoutMs\":1.5}", "'timeoutMs'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"timeoutMs\":\"5\"}", "'timeoutMs'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"timeoutMs\":1e400}", "'timeoutMs'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"memoryMb\":8}", "'memoryMb'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"maxOutputBytes\":-1}", "'maxOutputBytes'");
        assertRefused("{\"language\":\"python\",\"code\":\"x\",\"file\":\"/etc/passwd\"}", "unknown field 'file'");
    }

    private static void assertRefused(String json, String naming) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ApiError.class, error -> {
            assertThat(error.status()).isEqualTo(400);
            assertThat(error.code()).isEqualTo("invalid_request");
        }).hasMessageContaining(naming);
    }
}
