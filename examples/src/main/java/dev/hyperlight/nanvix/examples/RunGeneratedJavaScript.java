package dev.hyperlight.nanvix.examples;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs JavaScript that a model (or a user) wrote, each snippet in a fresh micro-VM of its own,
 * all at once: QuickJS with a time limit and a memory limit, the network blocked (the default
 * system-call table), nothing of the host's file system visible, a private {@code /tmp}
 * deleted after the run. A snippet that loops, crashes or misbehaves affects only its own VM.
 *
 * <pre>{@code java ... dev.hyperlight.nanvix.examples.RunGeneratedJavaScript 'console.log(6 * 7)'}</pre>
 */
public final class RunGeneratedJavaScript {

    /** Long enough for QuickJS to start even on emulated kernels, short enough for a loop. */
    public static final Duration TIME_LIMIT = Duration.ofSeconds(5);
    public static final long MEMORY = 64L << 20;

    private RunGeneratedJavaScript() {}

    /** Runs every snippet in its own VM, concurrently; results in the snippets' order. */
    public static List<RunResult> runAll(List<String> snippets) throws SandboxException, InterruptedException {
        RuntimeConfig config = RuntimeConfig.builder().timeout(TIME_LIMIT).memorySize(MEMORY).build();
        try (Sandbox sandbox = new Sandbox(config)) {
            List<CompletableFuture<RunResult>> runs = snippets.stream()
                    .map(code -> sandbox.runCodeAsync(GuestRuntime.JAVASCRIPT, code))
                    .toList();
            List<RunResult> results = new ArrayList<>();
            for (CompletableFuture<RunResult> run : runs) {
                try {
                    results.add(run.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof SandboxException refused) {
                        throw refused;
                    }
                    throw new IllegalStateException("a run failed on the host", e.getCause());
                }
            }
            return results;
        }
    }

    public static void main(String[] args) throws SandboxException, InterruptedException {
        List<String> snippets = args.length > 0 ? Arrays.asList(args) : List.of(
                "console.log([3, 1, 2].sort().join(' < '))",
                "for (;;) {}",
                "console.log(std.loadFile('/etc/passwd'))",
                "throw new Error('the model made a mistake')");
        List<RunResult> results = runAll(snippets);
        for (int i = 0; i < snippets.size(); i++) {
            RunResult result = results.get(i);
            System.out.printf("%s%n  -> %s in %d ms%n", snippets.get(i), result.termination().describe(),
                    result.duration().toMillis());
            result.stdoutText().lines().forEach(line -> System.out.println("  out: " + line));
            result.stderrText().lines().forEach(line -> System.out.println("  err: " + line));
        }
    }
}
