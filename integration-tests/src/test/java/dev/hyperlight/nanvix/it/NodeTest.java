package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's unmodified Node.js 18 through the runtime API: the node image is the guest's root, its
 * /usr/bin/node runs code ({@code node -e}) and {@code .cjs} scripts. The expected outputs are
 * those of the same node run natively (chrooted into the image).
 */
class NodeTest {

    /** Node's start-up (V8, ICU, the libraries' pages) runs partly under PVM's emulation today. */
    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private Sandbox sandbox() throws Exception {
        RuntimeConfig config = Suite.config().tmpDirectory(tmp).timeout(GENEROUS).build();
        return new Sandbox(config);
    }

    @Test
    void nodeEvaluatesCode() throws Exception {
        RunResult result;
        try (Sandbox sandbox = sandbox()) {
            result = sandbox.runCode(GuestRuntime.NODE, "console.log(6 * 7, process.version, process.argv.slice(1))",
                    "an argument");
        }

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("42 v18.20.4 [ 'an argument' ]\n");
    }

    /** What the CLI's {@code --runtime node -e CODE} runs: Node's own command line, unchanged. */
    @Test
    void nodeGetsItsOwnCommandLine() throws Exception {
        RunResult result;
        try (Sandbox sandbox = sandbox()) {
            result = sandbox.runInterpreter(GuestRuntime.NODE, tmp, "-e", "console.log(6 * 7)");
        }

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("42\n");
    }

    @Test
    void aCjsScriptUsesFsCryptoZlibTimersAWorkerAndAChildProcess() throws Exception {
        RunResult result;
        try (Sandbox sandbox = sandbox()) {
            result = sandbox.run(Path.of("scripts/node-basics.cjs"));
        }

        assertThat(result.stderrText()).isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).isEqualTo("""
                size 1600
                sha256 fb654b22d8d2ad9986a8c2dcda2ab6cb5544510cb481d1648465d7862b249787
                gunzip true
                hmac Np4pWetJRQM4shJ0j3fY3tdIR7s=
                child 3 "child says 42\\n"
                immediate
                async read null 1600
                timer fired
                promise 42
                worker 1,4,9
                worker exit 0
                exit 0
                """);
    }
}
