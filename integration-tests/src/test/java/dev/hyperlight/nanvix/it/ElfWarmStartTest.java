package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.RunReport;
import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxListener;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.VmStart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Warm starts of ELF programs: the template is the guest kernel stopped where it has loaded the
 * program (and, for a dynamic one, its interpreter) and waits for its start message; every run is
 * a clone that gets its own arguments, environment, AT_RANDOM bytes, clock and files.
 */
class ElfWarmStartTest {

    private static final Duration GENEROUS = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private final List<VmStart> starts = Collections.synchronizedList(new ArrayList<>());

    private RuntimeConfig.Builder config() {
        return Suite.config()
                .tmpDirectory(tmp.resolve("runs"))
                .timeout(GENEROUS)
                .listener(new SandboxListener() {
                    @Override
                    public void runEnded(RunReport run) {
                        starts.add(run.start());
                    }
                });
    }

    /** The probe's lines as name=value, after checking it ended with {@code status} and said nothing on stderr. */
    private static Map<String, String> lines(RunResult result, int status) {
        assertThat(result.stderrText()).isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(status));
        return result.stdoutText().lines().map(line -> line.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> pair.length > 1 ? pair[1] : ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"start-probe", "start-probe-dynamic"})
    void programClonesEachGetTheirOwnArgumentsEnvironmentRandomnessClockAndFiles(String guest) throws Exception {
        Path probe = Guests.guest(guest);
        try (Sandbox sandbox = new Sandbox(config().build())) {
            long before1 = System.currentTimeMillis();
            Map<String, String> first = lines(sandbox.run(RunRequest.program(probe, "0", "two words")
                    .env("RUN_NAME", "first").build()), 0);
            long after1 = System.currentTimeMillis();
            Thread.sleep(2_000); // a clone made later still reads the real time
            long before2 = System.currentTimeMillis();
            Map<String, String> second = lines(sandbox.run(RunRequest.program(probe, "7")
                    .env("RUN_NAME", "second").build()), 7);
            long after2 = System.currentTimeMillis();
            Map<String, String> third = lines(sandbox.run(RunRequest.program(probe).build()), 0);

            assertThat(starts).containsExactly(VmStart.WARM, VmStart.WARM, VmStart.WARM);
            String path = "/app/" + guest;
            assertThat(first).containsEntry("argc", "3").containsEntry("argv0", path).containsEntry("argv1", "0")
                    .containsEntry("argv2", "two words").containsEntry("env", "first").containsEntry("execfn", path)
                    .containsEntry("left", "");
            assertThat(second).containsEntry("argc", "2").containsEntry("argv1", "7").containsEntry("env", "second")
                    .containsEntry("left", "").doesNotContainKey("argv2");
            assertThat(third).containsEntry("argc", "1").containsEntry("env", "(unset)").containsEntry("left", "");
            assertThat(first.get("random")).matches("[0-9a-f]{32}");
            assertThat(List.of(first.get("random"), second.get("random"), third.get("random")))
                    .as("AT_RANDOM is each run's own").doesNotHaveDuplicates();
            // One second either side: the kernel's clock is re-set from the run's real time.
            assertThat(Long.parseLong(first.get("time"))).isBetween(before1 - 1_000, after1 + 1_000);
            assertThat(Long.parseLong(second.get("time"))).isBetween(before2 - 1_000, after2 + 1_000);
        }
    }

    @Test
    void programTemplatesSavedOnDiskStartTheNextSandbox() throws Exception {
        Path templates = tmp.resolve("templates");
        RuntimeConfig config = config().templateDirectory(templates).build();
        try (Sandbox first = new Sandbox(config)) {
            lines(first.run(RunRequest.program(Guests.guest("start-probe"), "0").build()), 0);
            lines(first.run(RunRequest.program(Guests.guest("start-probe-dynamic"), "0").build()), 0);
        }
        List<Path> saved;
        try (var files = Files.list(templates)) {
            saved = files.sorted().toList();
        }
        assertThat(saved).hasSize(2).allSatisfy(file -> assertThat(file.getFileName().toString())
                .startsWith("program-").endsWith(".snapshot"));
        Map<Path, byte[]> bytes = new HashMap<>();
        for (Path file : saved) {
            bytes.put(file, Files.readAllBytes(file));
        }

        try (Sandbox second = new Sandbox(config)) {
            assertThat(lines(second.run(RunRequest.program(Guests.guest("start-probe"), "5", "static").build()), 5))
                    .containsEntry("argv2", "static");
            assertThat(lines(second.run(RunRequest.program(Guests.guest("start-probe-dynamic"), "6", "dynamic")
                    .build()), 6)).containsEntry("argv2", "dynamic");
        }
        for (Path file : saved) {
            assertThat(Files.readAllBytes(file)).as("loaded, not made again").isEqualTo(bytes.get(file));
        }
        assertThat(starts).containsOnly(VmStart.WARM).hasSize(4);
    }

    @Test
    void warmProgramsShowWhatColdOnesShow() throws Exception {
        List<RunResult> warm = new ArrayList<>();
        List<RunResult> cold = new ArrayList<>();
        for (boolean on : List.of(true, false)) {
            List<RunResult> results = on ? warm : cold;
            try (Sandbox sandbox = new Sandbox(config().warmStarts(on).build())) {
                results.add(sandbox.run(Guests.example("hello-c"), "one", "two words"));
                results.add(sandbox.run(Guests.example("hello-c-dynamic"), "x"));
                results.add(sandbox.run(Guests.guest("exit-status")));
                results.add(sandbox.run(Guests.example("hello-c"), "again"));
            }
        }

        assertThat(starts).containsExactly(VmStart.WARM, VmStart.WARM, VmStart.WARM, VmStart.WARM,
                VmStart.COLD, VmStart.COLD, VmStart.COLD, VmStart.COLD);
        assertThat(warm.getFirst().stdoutText()).contains("argv[2] = two words");
        for (int i = 0; i < warm.size(); i++) {
            assertThat(warm.get(i).termination()).as("run %d", i).isEqualTo(cold.get(i).termination());
            assertThat(warm.get(i).stdoutText()).as("run %d", i).isEqualTo(cold.get(i).stdoutText());
            assertThat(warm.get(i).stderrText()).as("run %d", i).isEqualTo(cold.get(i).stderrText());
        }
    }
}
