package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Sizes;
import dev.hyperlight.nanvix.server.SandboxServer;
import dev.hyperlight.nanvix.server.ServerOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hyperlight-nanvix serve [OPTIONS]}: the HTTP service ({@link SandboxServer}) until the
 * process is stopped (SIGTERM, SIGINT), which stops the runs still going.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serves HTTP: POST /v1/run runs Python or JavaScript code sent as JSON",
            "({\"language\": \"python\", \"code\": \"print(42)\", \"args\": [...]}) in a fresh",
            "micro-VM and answers with its stdout, stderr and exit status; GET /health gives",
            "the doctor checks, GET /openapi.json the OpenAPI document. Callers send code,",
            "never host paths. A request may lower the limits below (timeoutMs, memoryMb,",
            "maxOutputBytes), never raise them. Output is kept up to 1M per stream unless",
            "--max-output says otherwise. Prints the address it listens on, then serves",
            "until stopped."
        })
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "N",
            description = "The TCP port (default 8080; 0 for any free one, printed at start).")
    int port = ServerOptions.DEFAULT_PORT;

    @Option(names = "--bind", paramLabel = "ADDR",
            description = "The address to listen on (default 127.0.0.1, this host only; 0.0.0.0 for every"
                    + " interface: then give --token-file too).")
    String bind = "127.0.0.1";

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Ask every run for 'Authorization: Bearer TOKEN', TOKEN being FILE's content"
                    + " (without the line end); 401 otherwise.")
    Path tokenFile;

    @Option(names = "--max-concurrent", paramLabel = "N",
            description = "Most runs at once (default 4); a request beyond them is answered 429.")
    int maxConcurrent = ServerOptions.DEFAULT_MAX_CONCURRENT_RUNS;

    @Option(names = "--max-request-size", paramLabel = "SIZE",
            description = "Largest request body (default 1M); a larger one is answered 413.")
    String maxRequestSize;

    @CommandLine.Mixin
    ServiceOptions service = new ServiceOptions();

    private final PrintStream out;
    private final PrintStream err;

    private ServeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Parses {@code args} (the words after {@code serve}), serves until the process is stopped, returns the status. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new ServeCommand(out, err));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((exception, ignored) -> {
            err.println("hyperlight-nanvix serve: " + exception.getMessage());
            err.println("Try 'hyperlight-nanvix serve --help' for more information.");
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((exception, ignored, parseResult) -> {
            err.println("hyperlight-nanvix serve: internal error: " + exception);
            return ExitCodes.HOST_ERROR;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        RuntimeConfig config;
        ServerOptions options;
        try {
            config = service.config();
            options = serverOptions();
        } catch (IllegalArgumentException e) {
            err.println("hyperlight-nanvix serve: " + e.getMessage());
            closeAudit();
            return ExitCodes.USAGE;
        } catch (SandboxException e) {
            err.println("hyperlight-nanvix serve: " + e.getMessage());
            closeAudit();
            return ExitCodes.of(e.reason());
        }
        if (!options.bind().isLoopbackAddress() && options.token().isEmpty()) {
            err.println("hyperlight-nanvix serve: warning: listening on " + bind + " without --token-file:"
                    + " anyone who reaches this port can run code here");
        }
        SandboxServer server;
        try {
            server = SandboxServer.start(config, options);
        } catch (IllegalStateException e) {
            err.println("hyperlight-nanvix serve: " + e.getMessage());
            closeAudit();
            return ExitCodes.HOST_ERROR;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            closeAudit();
            stopped.countDown();
        }, "hyperlight-nanvix-serve-stop"));
        out.println("hyperlight-nanvix serve: listening on " + server.uri()
                + (options.token().isPresent() ? " (bearer token required)" : ""));
        out.flush();
        stopped.await();
        return 0;
    }

    private ServerOptions serverOptions() {
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind " + bind + " is not an address of this host");
        }
        ServerOptions options = ServerOptions.defaults().withBind(address).withPort(port)
                .withMaxConcurrentRuns(maxConcurrent);
        if (maxRequestSize != null) {
            long bytes = Sizes.parse(maxRequestSize);
            if (bytes > Integer.MAX_VALUE - 1) {
                throw new IllegalArgumentException("--max-request-size " + maxRequestSize + " is above the maximum of 2G");
            }
            options = options.withMaxRequestBytes((int) bytes);
        }
        if (tokenFile != null) {
            String token;
            try {
                token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the token file " + tokenFile + ": " + e.getMessage());
            }
            if (token.isEmpty()) {
                throw new IllegalArgumentException("the token file " + tokenFile + " is empty");
            }
            options = options.withToken(token);
        }
        return options;
    }

    private void closeAudit() {
        try {
            service.close();
        } catch (IOException e) {
            err.println("hyperlight-nanvix serve: " + e.getMessage());
        }
    }
}
