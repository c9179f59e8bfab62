package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MCP SDK's own client over stdio against a real {@code hyperlight-nanvix mcp} process. */
class McpServerProcessTest {

    /** CPython's first start (the template's) runs partly under PVM's instruction emulation: minutes at worst. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private McpSyncClient start(String... options) {
        List<String> args = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED",
                "-Dhyperlight.nanvix.images=" + System.getProperty("images.dir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "mcp"));
        args.addAll(List.of(options));
        ServerParameters server = ServerParameters.builder(ProcessHandle.current().info().command().orElseThrow())
                .args(args)
                .build();
        McpSyncClient client = McpClient.sync(new StdioClientTransport(server, McpJsonDefaults.getMapper()))
                .requestTimeout(GENEROUS.plusMinutes(1))
                .initializationTimeout(Duration.ofMinutes(2))
                .build();
        client.initialize();
        return client;
    }

    private static String text(CallToolResult result) {
        assertThat(result.content()).hasSize(1);
        return ((TextContent) result.content().getFirst()).text();
    }

    private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(CallToolRequest.builder(tool).arguments(arguments).build());
    }

    @Test
    void theToolsRunCodeWithArgumentsAndReportFailuresAsErrors() throws Exception {
        try (McpSyncClient client = start("--timeout", GENEROUS.toSeconds() + "s", "--template-cache", tmp.toString());
                ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(client.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrder("run_python", "run_javascript");

            CallToolResult python = call(client, "run_python",
                    Map.of("code", "import sys\nprint(sys.argv[1:], 6 * 7)", "args", List.of("a", "b c")));
            assertThat(python.isError()).isFalse();
            assertThat(text(python)).isEqualTo("exit status: 0\nstdout:\n['a', 'b c'] 42\nstderr:\n");

            CallToolResult javascript = call(client, "run_javascript",
                    Map.of("code", "console.log(scriptArgs.join('|'))", "args", List.of("x", "y")));
            assertThat(javascript.isError()).isFalse();
            assertThat(text(javascript)).isEqualTo("exit status: 0\nstdout:\nx|y\nstderr:\n");

            CallToolResult failed = call(client, "run_python", Map.of("code", "raise SystemExit('no luck')"));
            assertThat(failed.isError()).isTrue();
            assertThat(text(failed)).isEqualTo("exit status: 1\nstdout:\nstderr:\nno luck\n");

            CallToolResult endless = call(client, "run_python", Map.of("code", "while True:\n    pass",
                    "timeout_seconds", 5));
            assertThat(endless.isError()).isTrue();
            assertThat(text(endless)).startsWith("exit status: 124 (timed out after 5s)\n");

            CallToolResult network = call(client, "run_python", Map.of("code",
                    "import socket\nsocket.create_connection(('127.0.0.1', " + listener.getLocalPort() + "), timeout=5)"));
            assertThat(network.isError()).isTrue();
            assertThat(text(network)).startsWith("exit status: 1\n").containsPattern("(PermissionError|OSError)");
            listener.setSoTimeout(200);
            assertThat(acceptedAnything(listener)).as("a guest reached the host's loopback").isFalse();
        }
    }

    private static boolean acceptedAnything(ServerSocket listener) throws Exception {
        try {
            listener.accept().close();
            return true;
        } catch (SocketTimeoutException expected) {
            return false;
        }
    }
}
