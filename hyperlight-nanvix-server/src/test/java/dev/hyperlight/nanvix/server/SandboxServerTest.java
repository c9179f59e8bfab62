package dev.hyperlight.nanvix.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.RuntimeConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server, in-process, running Python and JavaScript in real VMs for an HTTP client. */
class SandboxServerTest {

    /** CPython's first start (the template's) runs partly under PVM's instruction emulation: minutes at worst. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "test-token";

    @TempDir
    Path tmp;

    private final HttpClient client = HttpClient.newHttpClient();

    private JsonNode run(SandboxServer server, Map<String, Object> body) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri().resolve("/v1/run"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .timeout(GENEROUS.plusMinutes(1))
                .POST(BodyPublishers.ofString(MAPPER.writeValueAsString(body))).build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }

    @Test
    void runsPythonAndJavaScriptWithArgumentsStdinAndLimits() throws Exception {
        RuntimeConfig config = RuntimeConfig.builder().timeout(GENEROUS).outputLimit(1 << 20)
                .templateDirectory(tmp.resolve("templates")).build();
        try (SandboxServer server = SandboxServer.start(config, ServerOptions.defaults().withPort(0).withToken(TOKEN))) {
            JsonNode python = run(server, Map.of("language", "python",
                    "code", "import sys\nprint(sys.argv[1:], 6 * 7)", "args", List.of("a", "b c")));
            assertThat(python.get("stdout").asText()).isEqualTo("['a', 'b c'] 42\n");
            assertThat(python.get("stderr").asText()).isEmpty();
            assertThat(python.get("exitCode").asInt()).isZero();
            assertThat(python.get("termination").asText()).isEqualTo("exited");

            // The second Python run starts from the template the first one made.
            JsonNode failed = run(server, Map.of("language", "python",
                    "code", "import sys\nsys.stdout.write(sys.stdin.read().upper())\nraise SystemExit('no luck')",
                    "stdin", "shout"));
            assertThat(failed.get("stdout").asText()).isEqualTo("SHOUT");
            assertThat(failed.get("stderr").asText()).isEqualTo("no luck\n");
            assertThat(failed.get("exitCode").asInt()).isEqualTo(1);

            JsonNode javascript = run(server, Map.of("language", "javascript",
                    "code", "console.log(scriptArgs.join('|'))", "args", List.of("x", "y"), "memoryMb", 64));
            assertThat(javascript.get("stdout").asText()).isEqualTo("x|y\n");
            assertThat(javascript.get("exitCode").asInt()).isZero();

            JsonNode endless = run(server, Map.of("language", "javascript", "code", "for (;;) {}",
                    "timeoutMs", 3000));
            assertThat(endless.get("termination").asText()).isEqualTo("timed_out");
            assertThat(endless.get("exitCode").asInt()).isEqualTo(124);
            assertThat(endless.get("description").asText()).isEqualTo("timed out after 3s");

            JsonNode flood = run(server, Map.of("language", "javascript",
                    "code", "console.log('x'.repeat(100000))", "maxOutputBytes", 10));
            assertThat(flood.get("stdout").asText()).isEqualTo("xxxxxxxxxx");
            assertThat(flood.get("outputTruncated").asBoolean()).isTrue();
        }
    }
}
