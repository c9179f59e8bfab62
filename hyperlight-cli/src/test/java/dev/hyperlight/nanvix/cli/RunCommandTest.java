package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command end to end, in process, on real VMs. */
class RunCommandTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("examples.dir", "../guest-examples"));

    @TempDir
    Path tmp;

    private static CommandOutcome run(String... args) {
        return CommandOutcome.run(args);
    }

    @Test
    void runsHelloAndPassesArgumentsThatLookLikeOptions() {
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), EXAMPLES.resolve("hello-c").toString(), "--timeout", "x");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("Hello from C in a Hyperlight-Nanvix micro-VM!")
                .contains("argv[1] = --timeout").contains("argv[2] = x");
    }

    @Test
    void helpAndVersion() {
        CommandOutcome help = run("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("--timeout=DURATION", "--memory=SIZE", "--mount=HOST:GUEST[:ro|rw]",
                "--env=K=V", "--log-dir=DIR", "--tmp-dir=DIR", "Exit status:");

        CommandOutcome version = run("--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).startsWith("hyperlight-nanvix ").contains("guest ABI " + dev.hyperlight.nanvix.Sandbox.guestAbiVersion())
                .contains("hypervisor: kvm: ");
    }

    @Test
    void badInputGetsOneSentenceAndItsOwnStatus() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "hello\n");
        Path broken = Files.write(tmp.resolve("broken"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});

        assertThat(run(tmp.resolve("missing").toString())).satisfies(outcome -> {
            assertThat(outcome.status()).isEqualTo(ExitCodes.FILE_NOT_FOUND);
            assertThat(outcome.err().lines()).hasSize(1).first().asString().contains("no such file");
        });
        assertThat(run(text.toString())).satisfies(outcome -> {
            assertThat(outcome.status()).isEqualTo(ExitCodes.UNKNOWN_FILE_TYPE);
            assertThat(outcome.err().lines()).hasSize(1).first().asString().contains("unknown file type");
        });
        assertThat(run(broken.toString())).satisfies(outcome -> {
            assertThat(outcome.status()).isEqualTo(ExitCodes.MALFORMED_PROGRAM);
            assertThat(outcome.err().lines()).hasSize(1);
        });
        assertThat(run("--timeout", "soon", text.toString()).status()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--memory", "lots", text.toString()).status()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--mount", "nocolon", text.toString()).status()).isEqualTo(ExitCodes.USAGE);
        assertThat(run().status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void timeoutStopsASpinningGuestWithItsOwnStatusAndOneLine() throws IOException, InterruptedException {
        Path spin = compile("int main(void) { for (;;); }");

        CommandOutcome outcome = run("--timeout", "500ms", "--tmp-dir", tmp.toString(), spin.toString());

        assertThat(outcome.status()).isEqualTo(124);
        assertThat(outcome.err().lines()).hasSize(1).first().asString().contains("timed out after 500ms");
    }

    private Path compile(String source) throws IOException, InterruptedException {
        Path file = Files.writeString(tmp.resolve("guest.c"), source);
        Path binary = tmp.resolve("guest");
        Process gcc = new ProcessBuilder("gcc", "-static", "-O1", "-o", binary.toString(), file.toString())
                .inheritIO().start();
        assertThat(gcc.waitFor()).isZero();
        return binary;
    }
}
