package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.mcp.SandboxMcpTools;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code hyperlight-nanvix mcp [OPTIONS]}: a Model Context Protocol server on standard input and
 * output offering {@code run_python} and {@code run_javascript} ({@link SandboxMcpTools}); every
 * call runs under the limit and policy options given here, until standard input ends.
 */
@Command(
        name = "mcp",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serves the Model Context Protocol on standard input and output (JSON-RPC lines)",
            "with the tools run_python and run_javascript: each call runs its code in a fresh",
            "micro-VM under the options below (a call's timeout_seconds is capped by --timeout)",
            "and answers with the exit status, standard output and standard error, isError",
            "when the program did not exit 0. Output is kept up to 1M per stream unless",
            "--max-output says otherwise. Ends when standard input ends."
        })
final class McpCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ServiceOptions service = new ServiceOptions();

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    private McpCommand(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Parses {@code args} (the words after {@code mcp}), serves until {@code in} ends, returns the status. */
    static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new McpCommand(in, out, err));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((exception, ignored) -> {
            err.println("hyperlight-nanvix mcp: " + exception.getMessage());
            err.println("Try 'hyperlight-nanvix mcp --help' for more information.");
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((exception, ignored, parseResult) -> {
            err.println("hyperlight-nanvix mcp: internal error: " + exception);
            return ExitCodes.HOST_ERROR;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        RuntimeConfig config;
        try {
            config = service.config();
        } catch (IllegalArgumentException e) {
            err.println("hyperlight-nanvix mcp: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (SandboxException e) {
            err.println("hyperlight-nanvix mcp: " + e.getMessage());
            return ExitCodes.of(e.reason());
        }
        try (ServiceOptions audit = service; Sandbox sandbox = new Sandbox(config)) {
            CountDownLatch inputEnded = new CountDownLatch(1);
            StdioServerTransportProvider transport = new StdioServerTransportProvider(
                    McpJsonDefaults.getMapper(), new EndWatchingInputStream(in, inputEnded), out);
            McpSyncServer server = McpServer.sync(transport)
                    .serverInfo("hyperlight-nanvix", Sandbox.version())
                    .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                    .tools(SandboxMcpTools.tools(sandbox))
                    .build();
            inputEnded.await();
            server.closeGracefully();
            return 0;
        } catch (SandboxException e) {
            err.println("hyperlight-nanvix mcp: " + e.getMessage());
            return ExitCodes.of(e.reason());
        } catch (IOException e) {
            // Only closing the audit file throws it: its records may not all be on disk.
            err.println("hyperlight-nanvix mcp: " + e.getMessage());
            return ExitCodes.HOST_ERROR;
        }
    }

    /** Standard input that tells when it has ended (end of file or a read error): the server's end. */
    private static final class EndWatchingInputStream extends FilterInputStream {
        private final CountDownLatch ended;

        EndWatchingInputStream(InputStream in, CountDownLatch ended) {
            super(in);
            this.ended = ended;
        }

        @Override
        public int read() throws IOException {
            return watch(() -> super.read());
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return watch(() -> super.read(buffer, offset, length));
        }

        private int watch(IoRead read) throws IOException {
            try {
                int result = read.run();
                if (result < 0) {
                    ended.countDown();
                }
                return result;
            } catch (IOException e) {
                ended.countDown();
                throw e;
            }
        }

        private interface IoRead {
            int run() throws IOException;
        }
    }
}
