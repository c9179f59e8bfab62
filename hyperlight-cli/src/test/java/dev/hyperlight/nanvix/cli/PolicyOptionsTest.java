package dev.hyperlight.nanvix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --policy, --block, --audit and the limit options, in process, on real VMs. */
class PolicyOptionsTest {

    private static final Path HELLO = Path.of(System.getProperty("examples.dir", "../guest-examples"), "hello-c");

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static CommandOutcome run(String... args) {
        return CommandOutcome.run(args);
    }

    @Test
    void blockAndAuditDecideAndRecordEachCall() throws IOException {
        Path audit = tmp.resolve("audit.jsonl");
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), "--block", "openat=EACCES", "--audit", audit.toString(),
                HELLO.toString());

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.err()).contains("fopen /tmp/hello.txt: Permission denied");
        List<String> lines = Files.readAllLines(audit);
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("{\"call\":\"openat\",")
                .contains("pathname=\\\"/tmp/hello.txt\\\"", "\"action\":\"block\"", "\"errno\":\"EACCES\""));
        assertThat(lines).allSatisfy(line -> assertThat(line).matches("\\{\"call\":\"[a-z0-9_]+\",.*\"duration_us\":\\d+}"));
    }

    @Test
    void aNameThatIsNotUtf8IsAuditedExactlyAndTheCommandExitsWithTheProgramsStatus() throws IOException {
        Path audit = tmp.resolve("audit.jsonl");
        // QuickJS passes a lone surrogate on as the bytes ED B3 BF, which are not UTF-8.
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), "--audit", audit.toString(), "--runtime", "js",
                "--std", "-e", "os.mkdir('/tmp/bad\\udcff'); os.mkdir('/tmp/after'); std.exit(3)");

        assertThat(outcome.status()).as(outcome.err()).isEqualTo(3);
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(audit)) {
            records.add(JSON.readTree(line)); // every line is JSON, or this throws
        }
        byte[] bad = {'/', 't', 'm', 'p', '/', 'b', 'a', 'd', (byte) 0xed, (byte) 0xb3, (byte) 0xbf};
        List<String> mkdirs = records.stream().filter(r -> r.get("call").asText().equals("mkdirat"))
                .map(r -> r.get("paths").has("pathname_b64")
                        ? Arrays.toString(Base64.getDecoder().decode(r.get("paths").get("pathname_b64").asText()))
                        : r.get("paths").get("pathname").asText())
                .toList();
        assertThat(mkdirs).containsExactly(Arrays.toString(bad), "/tmp/after");
    }

    @Test
    void anAuditFileThatCannotBeWrittenStopsTheProgramWithStatus74() {
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), "--audit", "/dev/full", HELLO.toString());

        assertThat(outcome.status()).as(outcome.err()).isEqualTo(74);
        assertThat(outcome.err()).contains("was stopped: the audit could not record", "No space left on device");
    }

    @Test
    void outputBeyondMaxOutputIsDroppedAndTheStatusSaysSo() {
        CommandOutcome outcome = run("--tmp-dir", tmp.toString(), "--max-output", "10", HELLO.toString());

        assertThat(outcome.status()).isEqualTo(ExitCodes.OUTPUT_LIMIT);
        assertThat(outcome.out()).hasSize(10);
        assertThat(outcome.err()).contains("output beyond 10 per stream was dropped");
    }

    @Test
    void aProgramThatFailsForLackOfMemoryExitsWith154AndOneThatCopesKeepsItsStatus() {
        CommandOutcome failed = run("--tmp-dir", tmp.toString(), "--memory", "64M", "--runtime", "js", "-e",
                "new ArrayBuffer(1 << 30)");
        CommandOutcome coped = run("--tmp-dir", tmp.toString(), "--memory", "64M", "--runtime", "js", "-e",
                "try { new ArrayBuffer(1 << 30) } catch (e) { console.log('coped') }");

        assertThat(failed.status()).as(failed.err()).isEqualTo(ExitCodes.MEMORY_LIMIT);
        assertThat(failed.err()).contains("the program ran out of its 64M of guest memory");
        assertThat(coped.status()).as(coped.err()).isZero();
        assertThat(coped.out()).isEqualTo("coped\n");
        assertThat(coped.err()).contains("the program ran out of its 64M of guest memory");
    }

    @Test
    void aPolicyFileSetsLimitsAndTheCommandLineWins() throws IOException {
        Path policy = tmp.resolve("policy.properties");
        Files.writeString(policy, "network = deny\nblock = unlinkat\noutput.max = 5\ntmp.quota = 1M\n");
        CommandOutcome fromFile = run("--tmp-dir", tmp.toString(), "--policy", policy.toString(), HELLO.toString());
        CommandOutcome overridden = run("--tmp-dir", tmp.toString(), "--policy", policy.toString(), "--max-output", "1M",
                HELLO.toString());

        assertThat(fromFile.status()).isEqualTo(ExitCodes.OUTPUT_LIMIT);
        assertThat(fromFile.out()).hasSize(5);
        assertThat(overridden.status()).as(overridden.err()).isZero();
        assertThat(overridden.out()).contains("read back: written from the guest");

        Path slow = tmp.resolve("slow.properties");
        Files.writeString(slow, "timeout = 1ms\n");
        assertThat(run("--tmp-dir", tmp.toString(), "--policy", slow.toString(), HELLO.toString()).status())
                .isEqualTo(124);
        assertThat(run("--tmp-dir", tmp.toString(), "--policy", slow.toString(), "--timeout", "30s", HELLO.toString())
                .status()).isZero();
    }

    @Test
    void badPoliciesAreUsageErrorsWithOneSentence() throws IOException {
        Path bad = tmp.resolve("bad.properties");
        Files.writeString(bad, "netwrok = deny\n");
        assertThat(run("--policy", bad.toString(), HELLO.toString()))
                .satisfies(o -> assertThat(o.status()).isEqualTo(ExitCodes.USAGE))
                .satisfies(o -> assertThat(o.err()).contains("unknown setting 'netwrok'"));
        assertThat(run("--policy", "lenient", HELLO.toString()).err())
                .contains("--policy lenient is neither a preset (default, strict) nor a file");
        assertThat(run("--block", "mmap", HELLO.toString()).err())
                .contains("mmap is served inside the guest or not at all");
        assertThat(run("--block", "openat=ENOPE", HELLO.toString()).err()).contains("'ENOPE' is not an errno name");
        assertThat(run("--policy", "strict", "--mount", tmp + ":/data", HELLO.toString()))
                .satisfies(o -> assertThat(o.status()).isEqualTo(ExitCodes.USAGE))
                .satisfies(o -> assertThat(o.err()).contains("the policy does not allow mounting"));
    }

    @Test
    void cpuTimeAndOpenFileOptionsAreChecked() {
        assertThat(run("--cpu-time", "soon", HELLO.toString()).status()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("--max-open-files", "2", HELLO.toString()).err()).contains("open file limit 2 is outside");
        CommandOutcome help = run("--help");
        assertThat(help.out()).contains("--policy=FILE|PRESET", "--block=SYSCALL[=ERRNO]", "--audit=FILE",
                "--max-output=SIZE", "--cpu-time=DURATION", "--max-open-files=N", "--tmp-quota=SIZE",
                "152", "153", "154", "--audit could not record a call");
    }
}
