package dev.hyperlight.nanvix.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hyperlight.nanvix.HealthCheck;
import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP service that runs Python and JavaScript code in sandboxes (the CLI's {@code
 * hyperlight-nanvix serve}): {@code POST /v1/run} takes {@code {"language", "code", "args"...}}
 * and answers with the run's output and exit status; {@code GET /health} gives the doctor checks,
 * {@code GET /openapi.json} the OpenAPI 3 document of all three.
 *
 * <pre>{@code
 * try (SandboxServer server = SandboxServer.start(RuntimeConfig.defaults(), ServerOptions.defaults())) {
 *     // curl -d '{"language":"python","code":"print(6*7)"}' http://127.0.0.1:8080/v1/run
 * }
 * }</pre>
 *
 * <p>Callers send code, never a host path: nothing of the host's file system is reachable
 * through a request (the configuration's mounts, if any, are the operator's). Each run's time,
 * memory and output limits may be lowered by the request, never raised above the {@link
 * RuntimeConfig}'s; the policy is the configuration's. A request beyond {@link
 * ServerOptions#maxConcurrentRuns()} is answered 429 at once, a body above {@link
 * ServerOptions#maxRequestBytes()} 413, and with a {@link ServerOptions#token()} a run without
 * it 401. The sandboxes, and so their warm-start templates, live as long as the server.
 */
public final class SandboxServer implements AutoCloseable {

    /**
     * A route the server answers.
     *
     * @param method the HTTP method, upper case
     * @param path the path
     */
    record Route(String method, String path) {}

    static final Route HEALTH = new Route("GET", "/health");
    static final Route OPENAPI = new Route("GET", "/openapi.json");
    static final Route RUN = new Route("POST", "/v1/run");
    /** Every route; the OpenAPI document describes exactly these. */
    static final List<Route> ROUTES = List.of(HEALTH, OPENAPI, RUN);
    /** Where the OpenAPI document is, as a resource of this class. */
    static final String OPENAPI_RESOURCE = "openapi.json";

    private static final Logger LOG = LoggerFactory.getLogger(SandboxServer.class);
    private static final String JSON = "application/json";

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final RuntimeConfig limits;
    private final ServerOptions options;
    private final CodeRunner runner;
    private final HealthReport health;
    private final Semaphore runSlots;
    private final BearerToken token;
    private final byte[] openApi;
    private final Javalin app;

    /**
     * Starts a server whose runs have {@code config}'s limits and policy, listening as {@code
     * options} say. No VM is made before the first run: a host without a usable hypervisor still
     * gets a server, whose {@code /health} says what is missing and whose runs are answered 503.
     *
     * @throws IllegalStateException when the server cannot listen (address in use, no permission)
     */
    public static SandboxServer start(RuntimeConfig config, ServerOptions options) {
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(options, "options must not be null");
        return new SandboxServer(config, options, new SandboxPool(config), HostPlatform::healthChecks);
    }

    SandboxServer(RuntimeConfig limits, ServerOptions options, CodeRunner runner,
            Supplier<List<HealthCheck>> healthChecks) {
        this.limits = limits;
        this.options = options;
        this.runner = runner;
        this.health = new HealthReport(healthChecks);
        this.runSlots = new Semaphore(options.maxConcurrentRuns());
        this.token = options.token().map(BearerToken::new).orElse(null);
        this.openApi = openApiDocument();
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.host = options.bind().getHostAddress();
            config.jetty.port = options.port();
            config.http.maxRequestSize = options.maxRequestBytes();
            config.http.prefer405over404 = true;
            // A run blocks its request's thread for as long as the program runs.
            config.concurrency.useVirtualThreads = true;
            config.routes.before("/v1/*", this::authorize);
            config.routes.get(HEALTH.path(), this::health);
            config.routes.get(OPENAPI.path(), ctx -> ctx.contentType(JSON).result(openApi));
            config.routes.post(RUN.path(), this::run);
            config.routes.exception(ApiError.class, (error, ctx) -> reply(ctx, error));
            config.routes.exception(Exception.class, (error, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), error);
                reply(ctx, new ApiError(500, "internal_error", "the server failed: " + error));
            });
            config.routes.error(404, ctx -> reply(ctx, new ApiError(404, "not_found", "no such path: " + ctx.path())));
            config.routes.error(405, ctx -> reply(ctx, new ApiError(405, "method_not_allowed",
                    ctx.method() + " is not allowed on " + ctx.path())));
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            runner.close();
            throw new IllegalStateException("cannot listen on " + options.bind().getHostAddress() + ":"
                    + options.port() + ": " + e.getMessage(), e);
        }
    }

    /** The port the server listens on (the one chosen when {@link ServerOptions#port()} was 0). */
    public int port() {
        return app.port();
    }

    /** The server's base address, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String host = options.bind().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    private void authorize(Context ctx) {
        if (token != null && !token.accepts(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"hyperlight-nanvix\"");
            throw new ApiError(401, "unauthorized", "this server asks for a bearer token: Authorization: Bearer TOKEN");
        }
    }

    private void health(Context ctx) {
        List<HealthCheck> checks = health.checks();
        HealthCheck.Status overall = HealthReport.overall(checks);
        ObjectNode body = mapper.createObjectNode().put("status", lower(overall));
        ArrayNode list = body.putArray("checks");
        for (HealthCheck check : checks) {
            list.addObject().put("name", check.name()).put("status", lower(check.status())).put("detail", check.detail());
        }
        ctx.status(overall == HealthCheck.Status.FAIL ? 503 : 200);
        send(ctx, body);
    }

    private void run(Context ctx) {
        RunBody body = RunBody.parse(readJson(ctx), limits);
        if (!runSlots.tryAcquire()) {
            ctx.header("Retry-After", "1");
            throw new ApiError(429, "too_many_requests", "the server runs " + options.maxConcurrentRuns()
                    + " programs at once already; try again later");
        }
        RunResult result;
        try {
            RunRequest.Builder request = RunRequest.code(body.runtime(), body.code(), body.args().toArray(String[]::new))
                    .timeout(body.timeout());
            body.stdin().ifPresent(stdin -> request.stdin(stdin.getBytes(StandardCharsets.UTF_8)));
            result = runner.run(request.build(), body.memoryBytes());
        } catch (SandboxException e) {
            throw unavailable(e);
        } finally {
            runSlots.release();
        }
        send(ctx, reply(result, body.outputLimit()));
    }

    /** The request's body as JSON, read no further than the size limit. */
    private JsonNode readJson(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > options.maxRequestBytes()) {
            throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes(options.maxRequestBytes() + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the request", e);
        }
        if (bytes.length > options.maxRequestBytes()) {
            throw tooLarge();
        }
        try {
            return mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ApiError tooLarge() {
        return new ApiError(413, "payload_too_large", "the body is larger than this server's limit of "
                + options.maxRequestBytes() + " bytes");
    }

    /** A sandbox that could not run the code: the host's fault (no hypervisor, runtime missing), not the caller's. */
    private static ApiError unavailable(SandboxException e) {
        String reason = e.reason().name().toLowerCase(Locale.ROOT);
        return switch (e.reason()) {
            case HYPERVISOR_MISSING, HYPERVISOR_UNSUPPORTED, HYPERVISOR_PERMISSION, RUNTIME_UNAVAILABLE ->
                    new ApiError(503, "sandbox_unavailable", "the sandbox cannot run code on this host (" + reason
                            + "): " + e.getMessage());
            default -> new ApiError(500, "sandbox_failed", "the sandbox could not run the code (" + reason + "): "
                    + e.getMessage());
        };
    }

    private ObjectNode reply(RunResult result, int outputLimit) {
        boolean cut = result.stdout().length > outputLimit || result.stderr().length > outputLimit;
        ObjectNode body = mapper.createObjectNode()
                .put("stdout", text(result.stdout(), outputLimit))
                .put("stderr", text(result.stderr(), outputLimit))
                .put("exitCode", result.exitCode())
                .put("termination", result.termination().kind())
                .put("description", result.termination().describe())
                .put("outputTruncated", result.outputTruncated() || cut)
                .put("durationMs", result.duration().toMillis());
        ArrayNode reached = body.putArray("limitsReached");
        for (ResourceLimit limit : result.limitsReached()) {
            reached.add(lower(limit));
        }
        if (cut && !result.limitsReached().contains(ResourceLimit.OUTPUT)) {
            reached.add(lower(ResourceLimit.OUTPUT));
        }
        return body;
    }

    /** The first {@code limit} bytes of a stream as UTF-8 (a sequence cut at the end becomes U+FFFD). */
    private static String text(byte[] stream, int limit) {
        return new String(stream.length > limit ? Arrays.copyOf(stream, limit) : stream, StandardCharsets.UTF_8);
    }

    private void reply(Context ctx, ApiError error) {
        ctx.status(error.status());
        send(ctx, mapper.createObjectNode().put("error", error.code()).put("message", error.getMessage()));
    }

    private void send(Context ctx, JsonNode body) {
        try {
            ctx.contentType(JSON).result(mapper.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always writes", e);
        }
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static byte[] openApiDocument() {
        try (InputStream in = SandboxServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + OPENAPI_RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the runs still going and their VMs, then the server. */
    @Override
    public void close() {
        runner.close();
        app.stop();
    }
}
