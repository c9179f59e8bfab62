package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service API on real VMs: per-run standard input, environment and time limit, files given
 * and collected in memory, runs on a caller's executor under a bound on concurrent runs, and the
 * one-liner. The same logic without VMs: {@code SandboxServiceTest} in hyperlight-core.
 */
class ServiceApiTest {

    private static final Duration WAIT = Duration.ofMinutes(10);

    @TempDir
    Path tmp;

    private Sandbox sandbox(RuntimeConfig.Builder builder) throws SandboxException {
        return new Sandbox(builder.tmpDirectory(tmp.resolve("runs")).build());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachRunReadsItsOwnStandardInput() throws Exception {
        try (Sandbox sandbox = sandbox(Suite.config())) {
            RunRequest.Builder cat = RunRequest.program(Guests.guest("cat"));
            RunResult first = sandbox.run(cat.stdin(utf8("first input\n")).build());
            RunResult second = sandbox.run(RunRequest.program(Guests.guest("cat")).stdin(utf8("second\n")).build());
            RunResult none = sandbox.run(RunRequest.program(Guests.guest("cat")).build());

            assertThat(first.stdoutText()).isEqualTo("first input\n");
            assertThat(second.stdoutText()).isEqualTo("second\n");
            assertThat(none.stdoutText()).as("the configuration's stdin: empty").isEmpty();
            assertThat(List.of(first, second, none)).allMatch(RunResult::success);
        }
    }

    @Test
    void aRunsEnvironmentAndTimeLimitAreItsOwn() throws Exception {
        try (Sandbox sandbox = sandbox(Suite.config().env("SHARED", "config").env("MODE", "config")
                .timeout(Duration.ZERO))) {
            RunResult withOwn = sandbox.run(RunRequest.program(Guests.guest("environment"))
                    .env("MODE", "request").env("EXTRA", "1").build());
            RunResult spin = sandbox.run(RunRequest.program(Guests.guest("spin")).timeout(Duration.ofSeconds(2)).build());
            RunResult plain = sandbox.run(Guests.guest("environment"));

            assertThat(withOwn.stdoutText()).contains("env SHARED=config\n", "env MODE=request\n", "env EXTRA=1\n");
            assertThat(spin.termination()).isEqualTo(new Termination.TimedOut(Duration.ofSeconds(2)));
            assertThat(plain.stdoutText()).contains("env MODE=config\n").doesNotContain("EXTRA");
        }
    }

    @Test
    void filesGoInBeforeTheRunAndComeBackAfterIt() throws Exception {
        String code = "let text = std.loadFile('/tmp/in/text.txt');"
                + " let out = std.open('/tmp/out.txt', 'w'); out.puts(text.toUpperCase()); out.close();"
                + " let big = std.open('/tmp/big.txt', 'w'); big.puts('x'.repeat(100)); big.close();"
                + " os.symlink('/app', '/tmp/link');";
        try (Sandbox sandbox = sandbox(Suite.config())) {
            RunResult result = sandbox.run(RunRequest.code(GuestRuntime.JAVASCRIPT, code)
                    .inputFile("in/text.txt", utf8("hello, files"))
                    .outputFile("out.txt")
                    .outputFile("/tmp/big.txt")
                    .outputFile("/tmp/link")
                    .outputFile("never.txt")
                    .outputFileLimit(50)
                    .build());

            assertThat(result.termination()).as(result.stderrText()).isEqualTo(new Termination.Exited(0));
            assertThat(result.outputFiles()).containsOnlyKeys("/tmp/out.txt");
            assertThat(new String(result.outputFiles().get("/tmp/out.txt"), StandardCharsets.UTF_8))
                    .isEqualTo("HELLO, FILES");
            assertThat(result.limitsReached()).contains(ResourceLimit.OUTPUT_FILES);
        }
    }

    @Test
    void runsBeyondTheBoundWaitOnTheCallersExecutor() throws Exception {
        CountDownLatch firstReads = new CountDownLatch(1);
        PipedOutputStream feed = new PipedOutputStream();
        InputStream shared = new PipedInputStream(feed) {
            @Override
            public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
                firstReads.countDown();
                return super.read(buffer, offset, length);
            }
        };
        List<String> ended = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try (Sandbox sandbox = sandbox(Suite.config().maxConcurrentRuns(1).stdin(shared))) {
            // The first run reads the configuration's stdin, which stays open: it holds the only slot.
            CompletableFuture<RunResult> first = sandbox.runAsync(RunRequest.program(Guests.guest("cat")).build(), workers);
            first.thenRun(() -> ended.add("first"));
            assertThat(firstReads.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the first run reads stdin").isTrue();

            CompletableFuture<RunResult> second = sandbox.runAsync(
                    RunRequest.program(Guests.guest("cat")).stdin(utf8("own\n")).build(), workers);
            second.thenRun(() -> ended.add("second"));
            Thread.sleep(3000); // time enough for the second to run, were the bound not kept
            assertThat(second).as("the second waits for the slot").isNotDone();

            feed.write(utf8("shared\n"));
            feed.close();

            assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).stdoutText()).isEqualTo("shared\n");
            assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS).stdoutText()).isEqualTo("own\n");
            assertThat(ended).containsExactly("first", "second");
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void theOneLinerRunsAFileWithTheDefaults() throws Exception {
        RunResult result = Sandbox.run(Guests.example("hello-c").toString(), "one");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).contains("Hello from C in a Hyperlight-Nanvix micro-VM!").contains("argv[1] = one");
    }
}
