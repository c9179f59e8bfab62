package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.RuntimeImage;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JavaScript files and code strings run by QuickJS in real micro-VMs, through the public API. */
class JavaScriptTest {

    /** Generous: the guest kernel is emulated under PVM here. */
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private Sandbox sandbox() throws SandboxException {
        return new Sandbox(Suite.config().timeout(TIMEOUT).tmpDirectory(tmp.resolve("runs")).build());
    }

    @Test
    void helloExampleRunsByItsFileType() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.run(Guests.example("hello.js"), "one", "two words");

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.exitCode()).isZero();
            assertThat(result.stdoutText())
                    .contains("Hello from JavaScript in a Hyperlight-Nanvix micro-VM!")
                    .contains("20! = 2432902008176640000")
                    .contains("JSON: {\"engine\":\"QuickJS\",\"arguments\":[\"one\",\"two words\"],\"squares\":[1,4,9,16]}")
                    .contains("hello x3");
        }
    }

    @Test
    void fileOpsExampleWritesReadsStatsAndRemovesAFileInTmp() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.run(Guests.example("file_ops.js"));

            assertThat(result.exitCode()).as(result.stderrText()).isZero();
            assertThat(result.stdoutText())
                    .contains("wrote /tmp/file_ops.txt")
                    .contains("read 25 bytes:\nfirst line\nline number 2\n")
                    .contains("3 lines after appending")
                    .contains("size 34 bytes, regular file: true")
                    .contains("/tmp holds: file_ops.txt")
                    .contains("removed: true");
        }
    }

    @Test
    void timersPromisesAndAsyncFunctionsRunInOrderAndTimersWait() throws Exception {
        Path module = Files.writeString(tmp.resolve("events.mjs"), """
                import * as os from "os";
                const start = Date.now();
                const sleep = (ms) => new Promise((resolve) => os.setTimeout(resolve, ms));
                // QuickJS fires the first expired timer in the order they were set: the gaps are wide
                // enough that a loaded host's late wake-up still finds only the earlier one expired.
                os.setTimeout(() => console.log("timer 2 after", Date.now() - start >= 800), 800);
                os.setTimeout(() => console.log("timer 1 after", Date.now() - start >= 100), 100);
                Promise.resolve("value").then((v) => console.log("promise", v));
                (async () => {
                    await sleep(1500);
                    console.log("async after", Date.now() - start >= 1500);
                })();
                console.log("script done");
                """);
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.run(module);

            assertThat(result.exitCode()).as(result.stderrText()).isZero();
            assertThat(result.stdoutText()).isEqualTo("""
                    script done
                    promise value
                    timer 1 after true
                    timer 2 after true
                    async after true
                    """);
            // The event loop waits in select (pselect6), served by the guest kernel.
            assertThat(result.unsupportedSyscalls()).doesNotContainKeys("pselect6", "select", "poll", "ppoll");
        }
    }

    @Test
    void aReadHandlerOnStdinIsCalledThroughSelectUntilEndOfInput() throws Exception {
        RuntimeConfig config = Suite.config().timeout(TIMEOUT).tmpDirectory(tmp.resolve("runs"))
                .stdin(new ByteArrayInputStream("abc\n".getBytes(StandardCharsets.UTF_8))).build();
        try (Sandbox sandbox = new Sandbox(config)) {
            RunResult result = sandbox.runCode(GuestRuntime.JAVASCRIPT, """
                    const buffer = new Uint8Array(64);
                    os.setReadHandler(0, () => {
                        const n = os.read(0, buffer.buffer, 0, buffer.length);
                        console.log("read", n);
                        if (n <= 0) os.setReadHandler(0, null);
                    });
                    """);

            assertThat(result.exitCode()).as(result.stderrText()).isZero();
            assertThat(result.stdoutText()).isEqualTo("read 4\nread 0\n");
        }
    }

    @Test
    void theTimeLimitStopsBothASpinningScriptAndOneWaitingForALongTimer() throws Exception {
        RuntimeConfig config = Suite.config().timeout(Duration.ofSeconds(2)).tmpDirectory(tmp.resolve("runs")).build();
        try (Sandbox sandbox = new Sandbox(config)) {
            assertThat(sandbox.runCode(GuestRuntime.JAVASCRIPT, "for (;;) {}").termination())
                    .isInstanceOf(Termination.TimedOut.class);
            // The event loop sleeps on the host in select: the limit must end that sleep too.
            assertThat(sandbox.runCode(GuestRuntime.JAVASCRIPT, "os.setTimeout(() => {}, 3600 * 1000);").termination())
                    .isInstanceOf(Termination.TimedOut.class);
        }
    }

    @Test
    void mjsFilesRunAsModulesAndJsFilesAsScripts() throws Exception {
        // Top-level `this` is undefined in a module and the global object in a script.
        Path module = Files.writeString(tmp.resolve("plain.mjs"), "console.log(typeof this);\n");
        Path script = Files.writeString(tmp.resolve("plain.js"), "console.log(typeof this);\n");
        try (Sandbox sandbox = sandbox()) {
            assertThat(sandbox.run(module).stdoutText()).isEqualTo("undefined\n");
            assertThat(sandbox.run(script).stdoutText()).isEqualTo("object\n");
        }
    }

    @Test
    void codeStringRunsWithArgumentsInTmp() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.runCode(GuestRuntime.JAVASCRIPT, """
                    console.log(6 * 7, JSON.stringify(scriptArgs), os.getcwd()[0]);
                    std.open("made-here.txt", "w").close();
                    console.log(os.readdir(".")[0].filter((n) => n.startsWith("made")));
                    """, "a", "--b");

            assertThat(result.exitCode()).as(result.stderrText()).isZero();
            assertThat(result.stdoutText()).isEqualTo("42 [\"a\",\"--b\"] /tmp\nmade-here.txt\n");
        }
    }

    @Test
    void anUncaughtErrorExitsWithStatusOneAndAStackOnStderr() throws Exception {
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.runCode(GuestRuntime.JAVASCRIPT, "function deep() { throw new TypeError('bad input'); } deep();");

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.stderrText()).contains("TypeError: bad input").contains("at deep");
        }
    }

    @Test
    void theInterpreterTakesItsOwnCommandLineInTheGivenDirectory() throws Exception {
        Files.writeString(tmp.resolve("big.js"), "console.log(typeof BigFloat, 2n ** 70n);\n");
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.runInterpreter(GuestRuntime.JAVASCRIPT, tmp, "--bignum", "big.js");

            assertThat(result.exitCode()).as(result.stderrText()).isZero();
            assertThat(result.stdoutText()).isEqualTo("function 1180591620717411303424\n");
        }
    }

    @Test
    void theScriptDirectoryAndTheImageAreReadOnly() throws Exception {
        Path script = Files.writeString(tmp.resolve("write.js"), """
                console.log(std.open("/app/new.txt", "w") === null);
                console.log(std.open("%s/bin/new", "w") === null);
                """.formatted(GuestRuntime.QUICKJS_MOUNT_POINT));
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.run(script);

            assertThat(result.stdoutText()).isEqualTo("true\ntrue\n");
        }
        assertThat(tmp.resolve("new.txt")).doesNotExist();
    }

    @Test
    void theBundledImageIsExtractedOnceIntoTheCacheDirectoryReadOnly() throws Exception {
        Path cache = tmp.resolve("cache");
        RuntimeConfig config = Suite.config().timeout(TIMEOUT).tmpDirectory(tmp.resolve("runs"))
                .runtimeCacheDirectory(cache).build();
        try (Sandbox sandbox = new Sandbox(config)) {
            assertThat(sandbox.runCode(GuestRuntime.JAVASCRIPT, "console.log('first')").stdoutText()).isEqualTo("first\n");
        }
        List<Path> images;
        try (var listing = Files.list(cache)) {
            images = listing.toList();
        }
        assertThat(images).hasSize(1);
        assertThat(images.getFirst().getFileName().toString()).matches("quickjs-[0-9a-f]{16}");
        Path qjs = images.getFirst().resolve("bin/qjs");
        assertThat(Files.getPosixFilePermissions(qjs))
                .contains(PosixFilePermission.OWNER_EXECUTE)
                .doesNotContain(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        long extractedAt = Files.getLastModifiedTime(qjs).toMillis();

        try (Sandbox sandbox = new Sandbox(config)) {
            assertThat(sandbox.runCode(GuestRuntime.JAVASCRIPT, "console.log('second')").stdoutText()).isEqualTo("second\n");
        }
        assertThat(Files.getLastModifiedTime(qjs).toMillis()).isEqualTo(extractedAt);

        Files.setPosixFilePermissions(qjs, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        Files.write(qjs, new byte[] {0x7f, 'E', 'L', 'F'}, StandardOpenOption.APPEND);
        try (Sandbox sandbox = new Sandbox(config)) {
            assertThatThrownBy(() -> sandbox.runCode(GuestRuntime.JAVASCRIPT, "0"))
                    .isInstanceOfSatisfying(SandboxException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SandboxException.Reason.RUNTIME_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("is damaged (bin/qjs is missing or differs from the manifest)");
                    });
        }
    }

    @Test
    void aRuntimeFromAHostDirectoryRuns() throws Exception {
        Path image = tmp.resolve("image");
        Files.createDirectories(image.resolve("bin"));
        Path extracted;
        Path cache = tmp.resolve("cache");
        try (Sandbox sandbox = new Sandbox(Suite.config().timeout(TIMEOUT).runtimeCacheDirectory(cache).build())) {
            sandbox.runCode(GuestRuntime.JAVASCRIPT, "0");
        }
        try (var listing = Files.list(cache)) {
            extracted = listing.findFirst().orElseThrow();
        }
        Files.copy(extracted.resolve("bin/qjs"), image.resolve("bin/js-engine"));
        GuestRuntime custom = new GuestRuntime("custom-js", List.of(), new RuntimeImage.HostDirectory(image),
                "/opt/js", "bin/js-engine", List.of(new GuestRuntime.ScriptType(".cjs", List.of("--std"))),
                List.of("--std", "-e"));
        Path script = Files.writeString(tmp.resolve("engine.cjs"), "console.log(scriptArgs[0]);\n");
        try (Sandbox sandbox = sandbox()) {
            RunResult result = sandbox.run(custom, script);

            assertThat(result.exitCode()).as(result.stderrText()).isZero();
            assertThat(result.stdoutText()).isEqualTo("/app/engine.cjs\n");
        }
    }

    @Test
    void unknownTypesMissingScriptsAndMissingImagesAreOneSentence() throws Exception {
        Path notes = Files.writeString(tmp.resolve("notes.txt"), "hello\n");
        GuestRuntime missing = new GuestRuntime("missing", List.of(), new RuntimeImage.Bundled("no/such/image"),
                "/opt/missing", "bin/missing", List.of(), List.of("-e"));
        try (Sandbox sandbox = sandbox()) {
            assertThatThrownBy(() -> sandbox.run(notes))
                    .isInstanceOfSatisfying(SandboxException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SandboxException.Reason.UNKNOWN_FILE_TYPE);
                        assertThat(e.getMessage()).contains("unknown file type").contains(".js, .mjs");
                    });
            assertThatThrownBy(() -> sandbox.run(tmp.resolve("absent.js")))
                    .isInstanceOfSatisfying(SandboxException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SandboxException.Reason.PROGRAM_NOT_FOUND);
                        assertThat(e.getMessage()).contains("no such file");
                    });
            assertThatThrownBy(() -> sandbox.run(GuestRuntime.JAVASCRIPT, notes))
                    .isInstanceOfSatisfying(SandboxException.class, e ->
                            assertThat(e.getMessage()).contains("with javascript: it runs .js, .mjs files"));
            assertThatThrownBy(() -> sandbox.runCode(missing, "0"))
                    .isInstanceOfSatisfying(SandboxException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SandboxException.Reason.RUNTIME_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("no/such/image/image.manifest is not on the class path");
                    });
        }
    }

    @Test
    void runtimesAreFoundByNameAndFileType() {
        assertThat(GuestRuntime.named("JS")).contains(GuestRuntime.JAVASCRIPT);
        assertThat(GuestRuntime.named("javascript")).contains(GuestRuntime.JAVASCRIPT);
        assertThat(GuestRuntime.named("cobol")).isEmpty();
        assertThat(GuestRuntime.forFile(Path.of("a/b.MJS"))).contains(GuestRuntime.JAVASCRIPT);
        assertThat(GuestRuntime.forFile(Path.of("b.txt"))).isEmpty();
        assertThat(GuestRuntime.JAVASCRIPT.interpreterGuestPath()).isEqualTo("/usr/lib/hyperlight/quickjs/bin/qjs");
    }
}
