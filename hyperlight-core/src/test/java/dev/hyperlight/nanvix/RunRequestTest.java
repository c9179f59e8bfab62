package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link RunRequest}: what it accepts, how it names files, and what it refuses, before any VM. */
class RunRequestTest {

    private static final byte[] DATA = {1, 2, 3};

    @Test
    void filePathsAreCanonicalAndBelowTmp() {
        assertThat(RunRequest.filePath("in.txt")).isEqualTo("/tmp/in.txt");
        assertThat(RunRequest.filePath("a//b/./c.txt")).isEqualTo("/tmp/a/b/c.txt");
        assertThat(RunRequest.filePath("/tmp/a/../b")).isEqualTo("/tmp/b");
        assertThat(RunRequest.filePath("//tmp///x/")).isEqualTo("/tmp/x");
        assertThat(RunRequest.filePath("d\u00e9j\u00e0 vu")).isEqualTo("/tmp/d\u00e9j\u00e0 vu");
    }

    @Test
    void filePathsThatLeaveTmpOrNameItAreRefused() {
        for (String path : List.of("../etc/passwd", "/etc/passwd", "/tmp", "/tmp/", "/tmp/..", "a/../../x", "/",
                "", ".", "/tmpfile", "/app/x")) {
            assertThatThrownBy(() -> RunRequest.filePath(path)).as(path)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not below /tmp");
        }
        assertThatThrownBy(() -> RunRequest.filePath("a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> RunRequest.filePath("x".repeat(256)))
                .hasMessageContaining("longer than 255 bytes");
        assertThat(RunRequest.filePath("x".repeat(255))).hasSize(5 + 255);
        assertThatThrownBy(() -> RunRequest.filePath("\u00e9".repeat(128))).as("255 chars, 256 UTF-8 bytes")
                .hasMessageContaining("longer than 255 bytes");
    }

    @Test
    void theBuilderCollectsEveryOption() {
        Path program = Path.of("guest-examples/hello-c");
        RunRequest request = RunRequest.program(program, "a", "b")
                .timeout(Duration.ofSeconds(3))
                .stdin(DATA)
                .env("GREETING", "hi")
                .mount(Mount.readOnly("/data", Path.of("/srv")))
                .inputFile("in/data.bin", DATA)
                .outputFile("/tmp/out.txt")
                .outputFile("out.txt")
                .outputFileLimit(10)
                .build();

        assertThat(request.target()).isEqualTo(new RunRequest.Target.Program(program, List.of("a", "b")));
        assertThat(request.timeout()).contains(Duration.ofSeconds(3));
        assertThat(request.stdin()).hasValueSatisfying(bytes -> assertThat(bytes).containsExactly(DATA));
        assertThat(request.environment()).isEqualTo(Map.of("GREETING", "hi"));
        assertThat(request.mounts()).containsExactly(Mount.readOnly("/data", Path.of("/srv")));
        assertThat(request.inputFiles()).containsOnlyKeys("/tmp/in/data.bin");
        assertThat(request.outputFiles()).isEqualTo(Set.of("/tmp/out.txt"));
        assertThat(request.outputFileLimit()).isEqualTo(10);
        assertThatThrownBy(() -> request.environment().put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> request.inputFiles().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theBuilderCopiesWhatItIsGiven() {
        byte[] stdin = {1};
        byte[] content = {2};
        RunRequest request = RunRequest.code(GuestRuntime.JAVASCRIPT, "1").stdin(stdin).inputFile("f", content).build();
        stdin[0] = 9;
        content[0] = 9;
        assertThat(request.stdin().orElseThrow()).containsExactly(1);
        assertThat(request.inputFiles().get("/tmp/f")).containsExactly(2);
    }

    @Test
    void defaultsLeaveTheConfigurationInCharge() {
        RunRequest request = RunRequest.code(GuestRuntime.JAVASCRIPT, "console.log(1)").build();
        assertThat(request.timeout()).isEmpty();
        assertThat(request.stdin()).isEmpty();
        assertThat(request.environment()).isEmpty();
        assertThat(request.mounts()).isEmpty();
        assertThat(request.inputFiles()).isEmpty();
        assertThat(request.outputFiles()).isEmpty();
        assertThat(request.outputFileLimit()).isEqualTo(RunRequest.DEFAULT_OUTPUT_FILE_LIMIT);
    }

    @Test
    void badValuesAreRefused() {
        RunRequest.Builder builder = RunRequest.code(GuestRuntime.JAVASCRIPT, "1");
        assertThatThrownBy(() -> builder.timeout(Duration.ofSeconds(-1))).hasMessage("timeout must not be negative");
        assertThatThrownBy(() -> builder.outputFileLimit(-1)).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> builder.env("A=B", "x")).hasMessageContaining("not an environment variable name");
        assertThatThrownBy(() -> builder.env("A", "x\0")).hasMessageContaining("NUL");
        builder.inputFile("same", DATA);
        assertThatThrownBy(() -> builder.inputFile("/tmp/./same", DATA)).hasMessage("input file /tmp/same is given twice");
        assertThatThrownBy(() -> new RunRequest(new RunRequest.Target.Code(GuestRuntime.JAVASCRIPT, "1", List.of()),
                java.util.Optional.empty(), java.util.Optional.empty(), Map.of(), List.of(), Map.of("/etc/x", DATA),
                Set.of(), 0)).as("the record checks itself, not only the builder").hasMessageContaining("not below /tmp");
    }

    @Test
    void nullArgumentsAreRefusedByName() {
        assertThatThrownBy(() -> RunRequest.program(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("program must not be null");
        assertThatThrownBy(() -> RunRequest.program(Path.of("x"), "a", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("args[1] must not be null");
        assertThatThrownBy(() -> RunRequest.program(Path.of("x"), (String[]) null))
                .hasMessage("args must not be null");
        assertThatThrownBy(() -> RunRequest.code(null, "1")).hasMessage("runtime must not be null");
        assertThatThrownBy(() -> RunRequest.code(GuestRuntime.PYTHON, null)).hasMessage("code must not be null");
        assertThatThrownBy(() -> RunRequest.script(GuestRuntime.PYTHON, null)).hasMessage("script must not be null");
        assertThatThrownBy(() -> RunRequest.interpreter(GuestRuntime.PYTHON, null))
                .hasMessage("workingDirectory must not be null");
        RunRequest.Builder builder = RunRequest.code(GuestRuntime.JAVASCRIPT, "1");
        assertThatThrownBy(() -> builder.stdin(null)).hasMessage("bytes must not be null");
        assertThatThrownBy(() -> builder.inputFile("f", null)).hasMessage("content must not be null");
        assertThatThrownBy(() -> builder.inputFile(null, DATA)).hasMessage("file path must not be null");
        assertThatThrownBy(() -> builder.mount(null)).hasMessage("mount must not be null");
        assertThatThrownBy(() -> builder.timeout(null)).hasMessage("timeout must not be null");
    }
}
