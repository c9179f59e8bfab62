package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.io.Mount;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's unmodified CPython 3.11 with its standard library, from the python runtime image
 * mounted read-only at {@code /}. The interpreter is the image's own /usr/bin/python3.11.
 */
class PythonTest {

    /** CPython start-up runs partly under PVM's instruction emulation today: seconds, not ms. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private RunResult python(Duration timeout, String... args) throws Exception {
        Path image = RuntimeImagesForTests.root("python");
        RuntimeConfig config = RuntimeConfig.builder()
                .tmpDirectory(tmp)
                .timeout(timeout)
                .mount(Mount.readOnly("/", image))
                .mount(Mount.readOnly("/examples", Guests.example("hello.py").toAbsolutePath().getParent()))
                .mount(Mount.readOnly("/scripts", Path.of("scripts").toAbsolutePath()))
                .build();
        try (Sandbox sandbox = new Sandbox(config)) {
            return sandbox.run(image.resolve("usr/bin/python3.11"), args);
        }
    }

    @Test
    void helloPyRunsWithTheStandardLibrary() throws Exception {
        RunResult result = python(GENEROUS, "/examples/hello.py", "an argument");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).startsWith("""
                Hello from Python 3.11.2 in a Hyperlight-Nanvix micro-VM!
                arguments: ['an argument']
                squares: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81] sum: 285
                20! = 2432902008176640000
                longest word: quick | title: The Quick Brown
                json round trip: {'language': 'python', 'version': [3, 11, 2]}
                """).containsPattern("done in \\d+\\.\\d{3} s\n$");
        assertThat(result.stderrText()).isEmpty();
    }

    @Test
    void stdlibHeavyScriptGivesExactOutput() throws Exception {
        RunResult result = python(GENEROUS, "/scripts/stdlib.py");

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("""
                {"a": "x", "b": [1, 2.5, null]}
                a2 b44 c666
                0.142857142857142857142857142857
                270aeb7a66852d4e761f80d67726a38f7086fdb9a22bbdfdc4b097b79926b875
                994167270
                2024-03-01
                name,n|"a,b",1
                ['moved.txt', 'sub'] hello
                ['moved.txt']
                """);
    }

    @Test
    void anUncaughtExceptionExitsOneWithTheTracebackOnStderr() throws Exception {
        RunResult result = python(GENEROUS, "-c", "def f():\n    raise ValueError('boom')\nf()");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(1));
        assertThat(result.stderrText())
                .startsWith("Traceback (most recent call last):")
                .contains("in f")
                .endsWith("ValueError: boom\n");
    }

    @Test
    void sysExitStatusIsTheRunsExitStatus() throws Exception {
        RunResult result = python(GENEROUS, "-c", "import sys; print('bye'); sys.exit(3)");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(3));
        assertThat(result.stdoutText()).isEqualTo("bye\n");
    }

    @Test
    void anEndlessLoopIsStoppedByTheTimeout() throws Exception {
        RunResult result = python(Duration.ofSeconds(10), "-c", "while True: pass");

        assertThat(result.termination()).isEqualTo(new Termination.TimedOut(Duration.ofSeconds(10)));
    }
}
