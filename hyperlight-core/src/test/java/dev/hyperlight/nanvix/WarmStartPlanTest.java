package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which command lines start warm, what identifies their template, and what the clone is told; the
 * Python stub itself run by the host's CPython against a cold run of the same script.
 */
class WarmStartPlanTest {

    private static final Program INTERPRETER = new Program(Path.of("/dev/null"), new byte[0], true);
    private static final List<String> ENVIRONMENT = List.of("PATH=/usr/bin", "HOME=/tmp", "LANG=C.UTF-8",
            "PYTHONHASHSEED=3", "RUN_NAME=x", "LC_ALL=C");

    @TempDir
    Path app;

    private static Optional<WarmStart.Plan> plan(GuestCommand command, List<String> environment, List<Mount> mounts) {
        return WarmStart.plan(command, environment, mounts, Map.of());
    }

    private GuestCommand python(List<String> arguments) {
        return command(GuestRuntime.PYTHON, arguments);
    }

    private GuestCommand command(GuestRuntime runtime, List<String> arguments) {
        List<String> argv = new ArrayList<>();
        argv.add(runtime.interpreterGuestPath());
        argv.addAll(arguments);
        return new GuestCommand(INTERPRETER, runtime.interpreterGuestPath(), argv, Optional.of(app),
                Optional.of(Mount.readOnly(runtime.mountPoint(), app)), Optional.of(runtime));
    }

    @Test
    void pythonScriptsAndCodeStartWarmAndInterpreterOptionsDoNot() {
        WarmStart.Plan script = plan(python(List.of("/app/x.py", "a", "-b")), ENVIRONMENT, List.of())
                .orElseThrow();
        assertThat(script.script()).isTrue();
        assertThat(script.target()).isEqualTo("/app/x.py");
        assertThat(script.programArguments()).containsExactly("/app/x.py", "a", "-b");
        assertThat(script.templateArgv()).hasSize(3).startsWith("/usr/bin/python3.11", "-c");

        WarmStart.Plan code = plan(python(List.of("-c", "print(1)", "x")), ENVIRONMENT, List.of())
                .orElseThrow();
        assertThat(code.script()).isFalse();
        assertThat(code.target()).isEqualTo("print(1)");
        assertThat(code.programArguments()).containsExactly("-c", "x");

        for (List<String> cold : List.<List<String>>of(List.of("-S", "x.py"), List.of("-m", "json.tool"), List.of("-"), List.of(),
                List.of("-c"), List.of(""))) {
            assertThat(plan(python(cold), ENVIRONMENT, List.of())).as(cold.toString()).isEmpty();
        }
    }

    @Test
    void aTemplateIsKeyedByWhatTheRuntimesStartUpReads() {
        WarmStart.Plan plan = plan(python(List.of("x.py")), ENVIRONMENT,
                List.of(Mount.readOnly("/data", app), Mount.readOnly("/usr/local/lib/python3.11/dist-packages", app),
                        Mount.writable("/", app)))
                .orElseThrow();

        assertThat(plan.key().runtime()).isEqualTo(GuestRuntime.PYTHON);
        assertThat(plan.key().environment()).containsExactly("HOME=/tmp", "LANG=C.UTF-8", "PYTHONHASHSEED=3",
                "LC_ALL=C");
        assertThat(plan.key().mounts()).extracting(Mount::guestPath)
                .containsExactly("/usr/local/lib/python3.11/dist-packages", "/");
        assertThat(plan.environment()).isEqualTo(ENVIRONMENT);

        WarmStart.Plan other = plan(python(List.of("y.py", "z")), List.of("HOME=/tmp", "LANG=C.UTF-8",
                "PYTHONHASHSEED=3", "LC_ALL=C", "OTHER=1"), List.of(Mount.readOnly("/data", app),
                Mount.readOnly("/usr/local/lib/python3.11/dist-packages", app), Mount.writable("/", app)))
                .orElseThrow();
        assertThat(other.key()).isEqualTo(plan.key());
    }

    @Test
    void preloadCodeIsPartOfTheTemplatesKeyAndCommandLine() {
        GuestCommand command = python(List.of("x.py"));
        WarmStart.Plan plain = plan(command, ENVIRONMENT, List.of()).orElseThrow();
        WarmStart.Plan preloaded = WarmStart.plan(command, ENVIRONMENT, List.of(),
                Map.of(GuestRuntime.PYTHON, "import json")).orElseThrow();

        assertThat(plain.key().preload()).isEmpty();
        assertThat(preloaded.key().preload()).isEqualTo("import json");
        assertThat(preloaded.key()).isNotEqualTo(plain.key());
        assertThat(preloaded.templateArgv()).hasSize(4).endsWith("import json");
        assertThat(WarmStart.plan(command, ENVIRONMENT, List.of(), Map.of(GuestRuntime.JAVASCRIPT, "1")).orElseThrow()
                .key()).isEqualTo(plain.key());
    }

    @Test
    void quickJsTakesScriptsAndCodeButNotModules() throws Exception {
        Files.writeString(app.resolve("plain.js"), "// import x from 'y' in a comment\nprint(1)\n");
        Files.writeString(app.resolve("module.js"), "/* a module */\n  import * as std from 'std';\n");
        Files.writeString(app.resolve("dynamic.js"), "import('x').then(print)\n");
        Files.writeString(app.resolve("exports.js"), "export const x = 1;\n");
        Files.writeString(app.resolve("m.mjs"), "print(1)\n");
        GuestRuntime js = GuestRuntime.JAVASCRIPT;

        assertThat(plan(command(js, List.of("--std", "/app/plain.js", "a")), List.of(), List.of()))
                .hasValueSatisfying(plan -> {
                    assertThat(plan.programArguments()).containsExactly("/app/plain.js", "a");
                    assertThat(plan.key().environment()).isEmpty();
                });
        assertThat(plan(command(js, List.of("--std", "dynamic.js")), List.of(), List.of())).isPresent();
        assertThat(plan(command(js, List.of("--std", "-e", "print(1)", "b")), List.of(), List.of()))
                .hasValueSatisfying(plan -> assertThat(plan.programArguments()).containsExactly("b"));
        for (List<String> cold : List.of(List.of("--std", "/app/module.js"), List.of("--std", "exports.js"),
                List.of("--std", "--module", "/app/plain.js"), List.of("--std", "/app/m.mjs"), List.of("/app/plain.js"),
                List.of("--std", "/elsewhere/plain.js"), List.of("--std", "/app/../plain.js"),
                List.of("--std", "/app/missing.js"))) {
            assertThat(plan(command(js, cold), List.of(), List.of())).as(cold.toString()).isEmpty();
        }
    }

    @Test
    void otherRuntimesStartCold() {
        GuestCommand elf = new GuestCommand(INTERPRETER, "/app/hello", List.of("/app/hello"), Optional.of(app),
                Optional.empty(), Optional.empty());
        GuestRuntime custom = new GuestRuntime("lua", List.of(), new RuntimeImage.HostDirectory(app), "/", "bin/lua",
                List.of(), List.of("-e"));

        assertThat(plan(elf, ENVIRONMENT, List.of())).as("no stub: a program's template is the kernel's").isEmpty();
        assertThat(plan(command(custom, List.of("x.lua")), ENVIRONMENT, List.of())).isEmpty();
        assertThat(WarmStart.startPlan(command(custom, List.of("x.lua")), ENVIRONMENT, List.of(), Map.of())).isEmpty();
    }

    private GuestCommand program(byte[] bytes, boolean dynamic, String path, List<String> arguments) {
        List<String> argv = new ArrayList<>();
        argv.add(path);
        argv.addAll(arguments);
        return new GuestCommand(new Program(app.resolve("hello"), bytes, dynamic), path, argv, Optional.of(app),
                dynamic ? Optional.of(Mount.readOnly("/", app.resolve("base"))) : Optional.empty(), Optional.empty());
    }

    private static WarmStart.StartPlan startPlan(GuestCommand command, List<String> environment, List<Mount> mounts) {
        return WarmStart.startPlan(command, environment, mounts, Map.of()).orElseThrow();
    }

    @Test
    void elfProgramsStartWarmFromTheKernelKeyedByTheirBytesPathAndLibraries() {
        byte[] bytes = {0x7f, 'E', 'L', 'F', 1};
        List<Mount> mounts = List.of(Mount.readOnly("/data", app), Mount.readOnly("/usr/lib", app));
        WarmStart.StartPlan plan = startPlan(program(bytes, false, "/app/hello", List.of("a")), ENVIRONMENT, mounts);

        assertThat(plan.kernelStartPoint()).isTrue();
        assertThat(plan.templateArgv()).isEmpty();
        assertThat(plan.templateEnvironment()).as("the clone's message carries them").isEmpty();
        assertThat(plan.templateMounts()).as("a static program reads nothing before its start point").isEmpty();
        assertThat(plan.key()).isEqualTo(new WarmStart.ProgramKey(TemplateFiles.sha256(bytes), "/app/hello",
                Optional.empty(), List.of()));
        assertThat(startPlan(program(bytes.clone(), false, "/app/hello", List.of("b", "c")), List.of(), List.of()).key())
                .as("arguments, environment and mounts are the run's").isEqualTo(plan.key());
        assertThat(startPlan(program(new byte[] {1}, false, "/app/hello", List.of()), List.of(), List.of()).key())
                .isNotEqualTo(plan.key());
        assertThat(startPlan(program(bytes, false, "/app/other", List.of()), List.of(), List.of()).key())
                .isNotEqualTo(plan.key());

        WarmStart.StartPlan dynamic = startPlan(program(bytes, true, "/app/hello", List.of()), ENVIRONMENT, mounts);
        assertThat(dynamic.templateMounts()).as("mounts where its interpreter could be read from")
                .extracting(Mount::guestPath).containsExactly("/usr/lib");
        assertThat(((WarmStart.ProgramKey) dynamic.key()).libraries()).map(Mount::guestPath).hasValue("/");
        assertThat(dynamic.key()).isNotEqualTo(plan.key());

        assertThat(WarmStart.startPlan(program(bytes, false, "/app/hello", List.of("a\0b")), List.of(), List.of(),
                Map.of())).as("invalid: the cold start says why").isEmpty();
        assertThat(WarmStart.startPlan(program(bytes, false, "/app/hello", List.of("x".repeat(1 << 20))), List.of(),
                List.of(), Map.of())).as("longer than the kernel's I/O buffer").isEmpty();
        assertThat(WarmStart.startPlan(program(bytes, false, "/app/hello", List.of("x".repeat((1 << 20) - 100))),
                List.of(), List.of(), Map.of())).isPresent();
    }

    @Test
    void theKernelsMessageCarriesTheRunTheTimeAndFreshRandomness() {
        WarmStart.StartPlan plan = startPlan(program(new byte[] {1}, false, "/app/hello", List.of("x", "é")),
                List.of("A=1"), List.of());
        long before = System.currentTimeMillis() * 1_000_000L;
        ByteBuffer first = ByteBuffer.wrap(plan.message()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer second = ByteBuffer.wrap(plan.message()).order(ByteOrder.LITTLE_ENDIAN);
        long after = (System.currentTimeMillis() + 1) * 1_000_000L;

        assertThat(first.getLong()).as("NVXSTRT1").isEqualTo(0x3154_5254_5358_564eL);
        assertThat(first.getLong()).isBetween(before, after);
        byte[] random = new byte[16];
        first.get(random);
        byte[] otherRandom = new byte[16];
        second.position(16).get(otherRandom);
        assertThat(random).isNotEqualTo(otherRandom);
        assertThat(first.getLong()).as("argc").isEqualTo(3);
        assertThat(first.getLong()).as("envc").isEqualTo(1);
        byte[] strings = new byte[first.remaining()];
        first.get(strings);
        assertThat(new String(strings, StandardCharsets.UTF_8)).isEqualTo("/app/hello\0/app/hello\0x\0é\0A=1\0");
    }

    @Test
    void theMessageCarriesTheRunAndFreshRandomness() {
        WarmStart.Plan plan = plan(python(List.of("-c", "print('é')", "x")), List.of("A=1"), List.of())
                .orElseThrow();

        List<String> first = Arrays.asList(new String(plan.message(), StandardCharsets.UTF_8).split("\0", -1));
        List<String> second = Arrays.asList(new String(plan.message(), StandardCharsets.UTF_8).split("\0", -1));

        assertThat(first.subList(0, first.size() - 1)).containsExactly("hyperlight-start-1", "code", "print('é')",
                "2", "-c", "x", "1", "A=1", "4", "/usr/bin/python3.11", "-c", "print('é')", "x");
        assertThat(first.getLast()).matches("[0-9a-f]{32}").isNotEqualTo(second.getLast());
    }

    /**
     * The stub, run by this host's CPython with a message on fd 3, gives what {@code python3
     * SCRIPT} and {@code python3 -c CODE} give: output, tracebacks without the stub's frames, exit
     * status, {@code sys.argv}, {@code sys.path[0]}, {@code __file__}, the environment.
     */
    @Test
    void thePythonStubBecomesTheRunAColdStartWouldBe() throws Exception {
        Path script = Files.writeString(app.resolve("probe.py"), """
                import os, sys
                print(sys.argv, sys.path[0], __file__, __name__, sorted(k for k in globals() if not k.startswith("__")))
                print(sorted((k, v) for k, v in os.environ.items() if k in ("RUN_NAME", "HOME")))
                print(type(__loader__).__name__, __spec__, __cached__)
                def fail():
                    raise KeyError(sys.argv[1])
                if sys.argv[1] != "ok":
                    fail()
                """);
        String interpreter = "python3";
        List<String> environment = List.of("HOME=/tmp", "RUN_NAME=probe");
        for (List<String> arguments : List.of(List.of(script.toString(), "ok"), List.of(script.toString(), "boom"),
                List.of("-c", "import sys; print(sys.argv, sys.path[0], __name__); sys.exit(sys.argv[1])", "3"),
                List.of("-c", "x = (", "y"))) {
            List<String> argv = new ArrayList<>();
            argv.add(interpreter);
            argv.addAll(arguments);
            GuestCommand command = new GuestCommand(INTERPRETER, interpreter, argv, Optional.of(app), Optional.empty(),
                    Optional.of(GuestRuntime.PYTHON));
            WarmStart.Plan plan = plan(command, environment, List.of()).orElseThrow();
            Path message = Files.write(app.resolve("message"), plan.message());

            Outcome cold = run(environment, argv, null);
            Outcome warm = run(List.of("HOME=/elsewhere", "TEMPLATE_ONLY=1"), plan.templateArgv().stream()
                    .map(word -> word.equals(plan.templateArgv().getFirst()) ? interpreter : word).toList(), message);

            assertThat(warm).as(arguments.toString()).isEqualTo(cold);
        }
    }

    private record Outcome(int status, String stdout, String stderr) {}

    private Outcome run(List<String> environment, List<String> argv, Path fd3) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "-i"));
        command.addAll(environment);
        command.addAll(List.of("bash", "-c", "exec \"$@\"" + (fd3 == null ? "" : " 3<\"$FD3\""), "bash"));
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command).directory(app.toFile());
        if (fd3 != null) {
            command.add(2, "FD3=" + fd3);
            builder.command(command);
        }
        Path out = app.resolve("out");
        Path err = app.resolve("err");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theDefaultEnvironmentHasOneOrderInEveryJvm() throws SandboxException {
        assertThat(RuntimeConfig.DEFAULT_ENVIRONMENT.keySet()).containsExactly("PATH", "HOME", "LANG");
        assertThat(RuntimeConfig.builder().env("A", "1").build().environment().keySet())
                .containsExactly("PATH", "HOME", "LANG", "A");
    }

    @Test
    void aTemplateFileIsTheSameWhateverTheOrderOfItsStartUpEnvironment() throws SandboxException {
        TemplateFiles files = new TemplateFiles(app.resolve("templates"), ParkedHypervisor.prompt(), Map.of());
        RuntimeConfig config = RuntimeConfig.builder().build();
        GuestCommand command = python(List.of("/app/x.py"));
        List<String> reversed = new ArrayList<>(ENVIRONMENT);
        Collections.reverse(reversed);
        WarmStart.Plan forwards = plan(command, ENVIRONMENT, List.of()).orElseThrow();
        WarmStart.Plan backwards = plan(command, reversed, List.of()).orElseThrow();

        assertThat(files.slot(forwards, command, config)).isEqualTo(files.slot(backwards, command, config))
                .isPresent();
    }
}
