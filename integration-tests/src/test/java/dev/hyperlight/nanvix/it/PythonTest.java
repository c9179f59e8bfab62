package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's unmodified CPython 3.11 with its standard library, through the runtime API: the python
 * runtime image is the guest's root and its own /usr/bin/python3.11 runs the script or code.
 */
class PythonTest {

    /** CPython start-up runs partly under PVM's instruction emulation today: seconds, not ms. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private Sandbox sandbox(Duration timeout) throws Exception {
        RuntimeConfig config = Suite.config()
                .tmpDirectory(tmp)
                .timeout(timeout)
                .env("GREETING", "from the host")
                .build();
        return new Sandbox(config);
    }

    /** A script file: .py runs with CPython by its type, the script's directory at /app. */
    private RunResult script(Path script, String... args) throws Exception {
        try (Sandbox sandbox = sandbox(GENEROUS)) {
            return sandbox.run(script, args);
        }
    }

    private RunResult code(Duration timeout, String code, String... args) throws Exception {
        try (Sandbox sandbox = sandbox(timeout)) {
            return sandbox.runCode(GuestRuntime.PYTHON, code, args);
        }
    }

    @Test
    void helloPyRunsWithTheStandardLibrary() throws Exception {
        RunResult result = script(Guests.example("hello.py"), "an argument");

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
        RunResult result = script(Path.of("scripts/stdlib.py"));

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
        RunResult result = code(GENEROUS, "def f():\n    raise ValueError('boom')\nf()");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(1));
        assertThat(result.stderrText())
                .startsWith("Traceback (most recent call last):")
                .contains("in f")
                .endsWith("ValueError: boom\n");
    }

    @Test
    void codeGetsItsArgumentsAndEnvironmentAndSysExitStatusIsTheRunsExitStatus() throws Exception {
        RunResult result = code(GENEROUS, "import os, sys; print(os.environ['GREETING'], sys.argv[1:]); sys.exit(3)",
                "-v", "x y");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(3));
        assertThat(result.stdoutText()).isEqualTo("from the host ['-v', 'x y']\n");
    }

    @Test
    void anEndlessLoopIsStoppedByTheTimeout() throws Exception {
        RunResult result = code(Duration.ofSeconds(10), "while True: pass");

        assertThat(result.termination()).isEqualTo(new Termination.TimedOut(Duration.ofSeconds(10)));
    }

    @Test
    void aMountInsideTheImageAddsModules() throws Exception {
        Path modules = Files.createDirectories(tmp.resolve("modules"));
        Files.writeString(modules.resolve("greeting.py"), "WORDS = 'mounted inside the image'\n");
        RuntimeConfig config = Suite.config()
                .tmpDirectory(tmp)
                .timeout(GENEROUS)
                .mount(Mount.readOnly("/usr/lib/python3/dist-packages", modules))
                .build();
        try (Sandbox sandbox = new Sandbox(config)) {
            RunResult result = sandbox.runCode(GuestRuntime.PYTHON, "import greeting; print(greeting.WORDS)");

            assertThat(result.stderrText()).isEmpty();
            assertThat(result.stdoutText()).isEqualTo("mounted inside the image\n");
        }
    }

    @Test
    void chmodUtimeAndCopy2WorkInTmpAndTheImageIsReadOnly() throws Exception {
        RunResult result = script(Path.of("scripts/attrs.py"));

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.stdoutText()).isEqualTo("""
                0o600
                1000000000 1200000000
                0o600 1200000000
                read-only: 30
                """);
    }

    /**
     * subprocess spawns sys.executable (vfork, then dup2, close and execve in the child, an error
     * pipe read to its end) and reads both output pipes; os.fork copies the interpreter.
     */
    @Test
    void subprocessAndForkRunInVmsOfTheirOwn() throws Exception {
        RunResult result = code(GENEROUS, """
                import os, subprocess, sys
                done = subprocess.run([sys.executable, "-c", "print(6*7)"], capture_output=True)
                print(done.returncode, done.stdout, done.stderr)
                failed = subprocess.run([sys.executable, "-c", "import sys; sys.exit('no')"], capture_output=True)
                print(failed.returncode, failed.stderr)
                flood = "import sys; sys.stderr.write('e' * 200000); sys.stderr.flush(); print('out')"
                both = subprocess.run([sys.executable, "-c", flood], capture_output=True)
                print(len(both.stderr), both.stdout)
                try:
                    subprocess.run(["/no/such/program"])
                except FileNotFoundError as e:
                    print("FileNotFoundError", e.errno)
                pid = os.fork()
                if pid == 0:
                    os._exit(7)
                waited, status = os.waitpid(pid, 0)
                print(waited == pid, os.waitstatus_to_exitcode(status))
                """);

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.stdoutText()).isEqualTo("""
                0 b'42\\n' b''
                1 b'no\\n'
                200000 b'out\\n'
                FileNotFoundError 2
                True 7
                """);
    }

    /** poll on a pipe: nothing to read, data, then the writer gone (POLLIN|POLLHUP), as on Linux. */
    @Test
    void pollReportsWhatAPipeHolds() throws Exception {
        RunResult result = code(GENEROUS, """
                import os, select
                r, w = os.pipe()
                p = select.poll()
                p.register(r, select.POLLIN)
                print(p.poll(50))
                os.write(w, b"x")
                print(p.poll(0))
                os.close(w)
                os.read(r, 1)
                print(p.poll(-1))
                """);

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.stdoutText()).isEqualTo("[]\n[(3, 1)]\n[(3, 17)]\n");
    }
}
