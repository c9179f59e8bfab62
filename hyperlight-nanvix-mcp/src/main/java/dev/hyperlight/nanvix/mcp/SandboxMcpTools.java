package dev.hyperlight.nanvix.mcp;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The MCP tools {@code run_python} and {@code run_javascript}, for an MCP server a service
 * already runs ({@code McpServer.sync(transport).tools(SandboxMcpTools.tools(sandbox))}); the
 * CLI's {@code hyperlight-nanvix mcp} serves the same over stdio.
 *
 * <p>Input: {@code code} (the whole program), optional {@code args} (strings) and optional {@code
 * timeout_seconds}, capped by the sandbox's {@linkplain dev.hyperlight.nanvix.RuntimeConfig#timeout()
 * timeout}. Result: one text with the exit status (and how the run ended when it did not exit),
 * standard output and standard error; {@code isError} when the program did not exit with status 0,
 * when the arguments are malformed and when the sandbox could not run it. Every other limit and
 * the policy are the sandbox's configuration.
 */
public final class SandboxMcpTools {

    private SandboxMcpTools() {}

    /** Both tools, running in {@code sandbox} (which stays the caller's to close). */
    public static List<SyncToolSpecification> tools(Sandbox sandbox) {
        Objects.requireNonNull(sandbox, "sandbox");
        return List.of(tool(sandbox, GuestRuntime.PYTHON), tool(sandbox, GuestRuntime.JAVASCRIPT));
    }

    private static SyncToolSpecification tool(Sandbox sandbox, GuestRuntime runtime) {
        return SyncToolSpecification.builder()
                .tool(definition(runtime))
                .callHandler((exchange, request) -> call(sandbox, runtime, request.arguments()))
                .build();
    }

    /** What a client is told about the tool running {@code runtime}. */
    static McpSchema.Tool definition(GuestRuntime runtime) {
        boolean python = runtime == GuestRuntime.PYTHON;
        String language = python
                ? "a complete Python 3.11 program (standard library only)"
                : "a JavaScript program with QuickJS (ES2023, its std and os modules; not Node.js)";
        String arguments = python ? "sys.argv[1:]" : "scriptArgs";
        Map<String, Object> inputSchema = Map.of(
                "type", "object",
                "properties", Map.of(
                        "code", Map.of("type", "string", "description", "the whole program's source"),
                        "args", Map.of("type", "array", "items", Map.of("type", "string"),
                                "description", "the program's arguments"),
                        "timeout_seconds", Map.of("type", "number", "exclusiveMinimum", 0,
                                "description", "the run's time limit, at most the server's")),
                "required", List.of("code"),
                "additionalProperties", false);
        return McpSchema.Tool.builder(python ? "run_python" : "run_javascript", inputSchema)
                .description("Runs " + language + " in an isolated micro-VM and returns its exit status, standard"
                        + " output and standard error. Only /tmp is writable, and it is the run's own; the host's"
                        + " limits on time, memory and output and its policy (no network unless allowed) apply."
                        + " The program finds args in " + arguments + ".")
                .build();
    }

    static CallToolResult call(Sandbox sandbox, GuestRuntime runtime, Map<String, Object> arguments) {
        RunResult result;
        try {
            ToolArguments parsed = ToolArguments.parse(arguments, sandbox.config().timeout());
            result = sandbox.run(RunRequest.code(runtime, parsed.code(), parsed.args().toArray(String[]::new))
                    .timeout(parsed.timeout())
                    .build());
        } catch (IllegalArgumentException malformed) {
            return error("invalid arguments: " + malformed.getMessage());
        } catch (SandboxException failure) {
            return error("the sandbox could not run the code (" + failure.reason().name().toLowerCase(Locale.ROOT)
                    + "): " + failure.getMessage());
        }
        return CallToolResult.builder().addTextContent(text(result)).isError(!result.success()).build();
    }

    /** The run's outcome as one text: the status line, then each stream under its heading. */
    static String text(RunResult result) {
        StringBuilder text = new StringBuilder("exit status: ").append(result.exitCode());
        if (!(result.termination() instanceof Termination.Exited)) {
            text.append(" (").append(result.termination().describe()).append(')');
        }
        text.append('\n');
        if (result.outputTruncated()) {
            text.append("note: the output was longer than the limit and was cut\n");
        }
        text.append("stdout:\n").append(endLine(result.stdoutText()));
        text.append("stderr:\n").append(endLine(result.stderrText()));
        return text.toString();
    }

    private static String endLine(String stream) {
        return stream.isEmpty() || stream.endsWith("\n") ? stream : stream + "\n";
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }
}
