package dev.hyperlight.nanvix.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The HTTP side of the server, without VMs: routing, the token, the bounds on concurrency and
 * size, validation and the reply's form. The runs themselves are {@link Runs}' doing here;
 * SandboxServerTest runs real code in real VMs.
 */
@Tag("no-vm")
class SandboxServerHttpTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PYTHON = "{\"language\":\"python\",\"code\":\"print(1)\"}";

    private final HttpClient client = HttpClient.newHttpClient();
    private final Runs runs = new Runs();
    private SandboxServer server;

    /** Records the requests and answers each with its code as standard output, unless told to wait or fail. */
    private static final class Runs implements CodeRunner {
        final List<RunRequest> requests = new CopyOnWriteArrayList<>();
        final List<Long> memory = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch release = new CountDownLatch(0);
        volatile SandboxException failure;
        volatile boolean closed;

        @Override
        public RunResult run(RunRequest request, long memoryBytes) throws SandboxException {
            requests.add(request);
            memory.add(memoryBytes);
            entered.countDown();
            try {
                release.await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw failure;
            }
            String code = ((RunRequest.Target.Code) request.target()).code();
            return new RunResult(new Termination.Exited(3), code.getBytes(StandardCharsets.UTF_8), new byte[0], false,
                    Duration.ofMillis(7), Map.of(), Set.of(), Map.of());
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private SandboxServer start(ServerOptions options) throws SandboxException {
        RuntimeConfig limits = RuntimeConfig.builder().timeout(Duration.ofSeconds(30)).memorySize(256L << 20)
                .outputLimit(1000).build();
        server = new SandboxServer(limits, options.withPort(0), runs, HostPlatform::healthChecks);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            assertThat(runs.closed).as("the server closed its sandboxes").isTrue();
        }
    }

    private HttpResponse<String> post(String path, BodyPublisher body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri().resolve(path)).POST(body)
                .header("Content-Type", "application/json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> run(String json, String... headers) throws Exception {
        return post("/v1/run", BodyPublishers.ofString(json), headers);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(server.uri().resolve(path)).build(), BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        return MAPPER.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(json(response).get("error").asText()).isEqualTo(code);
        assertThat(json(response).get("message").asText()).isNotBlank();
    }

    @Test
    void aRunIsAnsweredWithItsResultUnderLimitsCappedByTheServers() throws Exception {
        start(ServerOptions.defaults());

        HttpResponse<String> response = run("{\"language\":\"javascript\",\"code\":\"0123456789\",\"args\":[\"a\"],"
                + "\"stdin\":\"in\",\"timeoutMs\":99999999,\"memoryMb\":100,\"maxOutputBytes\":4}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(MAPPER.readTree("{\"stdout\":\"0123\",\"stderr\":\"\",\"exitCode\":3,"
                + "\"termination\":\"exited\",\"description\":\"exited with status 3\",\"outputTruncated\":true,"
                + "\"durationMs\":7,\"limitsReached\":[\"output\"]}"));
        RunRequest request = runs.requests.getFirst();
        assertThat(request.target()).isEqualTo(new RunRequest.Target.Code(GuestRuntime.JAVASCRIPT, "0123456789",
                List.of("a")));
        assertThat(request.timeout()).contains(Duration.ofSeconds(30));
        assertThat(request.stdin()).hasValueSatisfying(stdin -> assertThat(stdin).asString().isEqualTo("in"));
        assertThat(runs.memory).containsExactly(100L << 20);
    }

    @Test
    void withATokenRunsNeedItButHealthAndTheDocumentDoNot() throws Exception {
        start(ServerOptions.defaults().withToken("s3cret"));

        HttpResponse<String> without = run(PYTHON);
        assertError(without, 401, "unauthorized");
        assertThat(without.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Bearer"));
        assertError(run(PYTHON, "Authorization", "Bearer wrong"), 401, "unauthorized");
        assertError(run(PYTHON, "Authorization", "s3cret"), 401, "unauthorized");
        assertThat(runs.requests).isEmpty();

        assertThat(run(PYTHON, "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
        assertThat(get("/openapi.json").statusCode()).isEqualTo(200);
        assertThat(get("/health").statusCode()).isIn(200, 503);
    }

    @Test
    void aRunBeyondTheConcurrencyBoundIsAnswered429AtOnce() throws Exception {
        start(ServerOptions.defaults().withMaxConcurrentRuns(1));
        runs.release = new CountDownLatch(1);

        CompletableFuture<HttpResponse<String>> first = client.sendAsync(HttpRequest.newBuilder(
                server.uri().resolve("/v1/run")).POST(BodyPublishers.ofString(PYTHON)).build(), BodyHandlers.ofString());
        assertThat(runs.entered.await(1, TimeUnit.MINUTES)).isTrue();

        HttpResponse<String> second = run(PYTHON);
        assertError(second, 429, "too_many_requests");
        assertThat(second.headers().firstValue("Retry-After")).contains("1");

        runs.release.countDown();
        assertThat(first.get(1, TimeUnit.MINUTES).statusCode()).isEqualTo(200);
        assertThat(run(PYTHON).statusCode()).as("the slot is free again").isEqualTo(200);
    }

    @Test
    void aBodyAboveTheLimitIsAnswered413WithOrWithoutItsLength() throws Exception {
        start(ServerOptions.defaults().withMaxRequestBytes(1024));
        String large = "{\"language\":\"python\",\"code\":\"" + "#".repeat(2000) + "\"}";

        assertError(run(large), 413, "payload_too_large");
        assertError(post("/v1/run", BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(large.getBytes(StandardCharsets.UTF_8)))), 413, "payload_too_large");
        assertThat(runs.requests).isEmpty();
        assertThat(run("{\"language\":\"python\",\"code\":\"" + "#".repeat(900) + "\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedRequestsAreAnswered400() throws Exception {
        start(ServerOptions.defaults());

        assertError(run("{\"language\":"), 400, "invalid_request");
        assertError(run(""), 400, "invalid_request");
        assertError(run("{\"language\":\"python\",\"code\":\"x\"} {}"), 400, "invalid_request");
        assertError(run("{\"language\":\"python\",\"code\":\"x\",\"code\":\"y\"}"), 400, "invalid_request");
        assertError(run("{\"language\":\"python\",\"path\":\"/etc/passwd\"}"), 400, "invalid_request");
        assertThat(runs.requests).isEmpty();
    }

    @Test
    void unknownPathsAndMethodsAreAnsweredInJson() throws Exception {
        start(ServerOptions.defaults());

        assertError(get("/v1/nothing"), 404, "not_found");
        assertError(get("/v1/run"), 405, "method_not_allowed");
    }

    @Test
    void aSandboxThatCannotRunIsAnswered503() throws Exception {
        start(ServerOptions.defaults());
        runs.failure = new SandboxException(SandboxException.Reason.HYPERVISOR_MISSING, "/dev/kvm does not exist");

        HttpResponse<String> response = run(PYTHON);

        assertError(response, 503, "sandbox_unavailable");
        assertThat(json(response).get("message").asText()).contains("/dev/kvm does not exist");
    }

    @Test
    void healthGivesTheDoctorChecksAnd503WhenOneFailed() throws Exception {
        start(ServerOptions.defaults());

        HttpResponse<String> response = get("/health");

        JsonNode body = json(response);
        Set<String> statuses = new HashSet<>();
        body.get("checks").forEach(check -> statuses.add(check.get("status").asText()));
        assertThat(body.get("checks").findValuesAsText("name")).contains("java");
        String overall = statuses.contains("fail") ? "fail" : statuses.contains("warn") ? "warn" : "ok";
        assertThat(body.get("status").asText()).isEqualTo(overall);
        assertThat(response.statusCode()).isEqualTo(overall.equals("fail") ? 503 : 200);
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRoutesAndFields() throws Exception {
        start(ServerOptions.defaults());

        JsonNode document = json(get("/openapi.json"));

        assertThat(document.get("openapi").asText()).startsWith("3.");
        Set<SandboxServer.Route> described = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(
                    method -> described.add(new SandboxServer.Route(method.toUpperCase(java.util.Locale.ROOT), path.getKey())));
        }
        assertThat(described).containsExactlyInAnyOrderElementsOf(SandboxServer.ROUTES);
        Set<String> fields = new HashSet<>();
        document.at("/components/schemas/RunRequest/properties").fieldNames().forEachRemaining(fields::add);
        assertThat(fields).isEqualTo(RunBody.FIELDS);
        for (SandboxServer.Route route : SandboxServer.ROUTES) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri().resolve(route.path()))
                    .method(route.method(), BodyPublishers.ofString(PYTHON)).build(), BodyHandlers.ofString());
            assertThat(response.statusCode()).as(route.toString()).isNotIn(404, 405);
        }
    }

    @Test
    void theUriNamesTheChosenPort() throws Exception {
        start(ServerOptions.defaults());

        assertThat(server.port()).isPositive();
        assertThat(server.uri()).isEqualTo(URI.create("http://127.0.0.1:" + server.port()));
    }
}
