package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.syscall.JsonLinesAudit;
import dev.hyperlight.nanvix.syscall.SyscallAudit;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit of real runs: names that are not UTF-8 are recorded exactly and the calls after them
 * too, and a call the audit cannot record stops the whole run, whichever process made it.
 */
class AuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] BAD = {'/', 't', 'm', 'p', '/', 'b', 'a', 'd', (byte) 0xff, (byte) 0xfe};

    @TempDir
    Path tmp;

    /** The exact bytes of every path member of a record (docs/security.md, "Audit"). */
    private static List<byte[]> paths(JsonNode record) {
        List<byte[]> paths = new ArrayList<>();
        record.path("paths").properties().forEach(member -> paths.add(member.getKey().endsWith("_b64")
                ? Base64.getDecoder().decode(member.getValue().asText())
                : member.getValue().asText().getBytes(StandardCharsets.UTF_8)));
        return paths;
    }

    private static boolean hasPath(JsonNode record, byte[] path) {
        return paths(record).stream().anyMatch(p -> Arrays.equals(p, path));
    }

    private static byte[] concat(byte[] head, String tail) {
        byte[] rest = tail.getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        return all;
    }

    @Test
    void namesThatAreNotUtf8AreRecordedExactlyAndEveryLaterCallToo() throws Exception {
        Path file = tmp.resolve("audit.jsonl");
        Path runs = Files.createDirectory(tmp.resolve("runs"));
        RunResult result;
        try (JsonLinesAudit audit = new JsonLinesAudit(file);
                Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(runs)
                        .syscallTable(SyscallTable.defaults().withAudit(audit)).build())) {
            result = sandbox.run(Guests.guest("audit"));
        }

        assertThat(result.termination()).isEqualTo(new Termination.Exited(3));
        assertThat(result.stdoutText()).isEqualTo("open: ok\nafter: made\n");
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            records.add(JSON.readTree(line)); // every line is JSON, or this throws
        }
        int mkdir = indexOf(records, BAD, "mkdirat");
        assertThat(records.get(mkdir).get("paths").get("pathname_b64").asText()).isEqualTo("L3RtcC9iYWT//g==");
        assertThat(records.get(mkdir).get("result").asLong()).isZero();
        assertThat(records.get(mkdir).get("arguments").asText()).contains("pathname=\"/tmp/bad\\xff\\xfe\"");
        int open = indexOf(records, concat(BAD, "/q\"uote\\d\nline"), "openat");
        int rename = indexOf(records, "/tmp/good-é".getBytes(StandardCharsets.UTF_8), "renameat2");
        assertThat(hasPath(records.get(rename), BAD)).isTrue();
        int after = indexOf(records, "/tmp/after".getBytes(StandardCharsets.UTF_8), "mkdirat");
        assertThat(List.of(mkdir, open, rename, after)).isSorted();
        // The output's write is recorded after every call that named the bad directory.
        assertThat(records.subList(after, records.size()))
                .anySatisfy(record -> assertThat(record.get("call").asText()).isEqualTo("write"));
    }

    private static int indexOf(List<JsonNode> records, byte[] path, String call) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).get("call").asText().equals(call) && hasPath(records.get(i), path)) {
                return i;
            }
        }
        throw new AssertionError("no " + call + " of " + new String(path, StandardCharsets.UTF_8) + " in "
                + records);
    }

    @Test
    void aCallTheAuditCannotRecordInAChildStopsTheWholeRun() throws Exception {
        List<SyscallAudit.Record> recorded = new CopyOnWriteArrayList<>();
        SyscallAudit refusing = record -> {
            if (record.paths().stream().anyMatch(path -> path.path().equals("/tmp/refused-by-the-audit"))) {
                throw new IllegalStateException("the audit refuses this one");
            }
            recorded.add(record);
        };
        Path runs = Files.createDirectory(tmp.resolve("runs"));
        try (Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(runs)
                .syscallTable(SyscallTable.defaults().withAudit(refusing)).build())) {
            RunResult result = sandbox.run(Guests.guest("audit"), "child");

            assertThat(result.termination()).isInstanceOfSatisfying(Termination.AuditFailed.class,
                    failed -> assertThat(failed.reason()).startsWith("the audit could not record mkdirat(")
                            .contains("/tmp/refused-by-the-audit").endsWith(": the audit refuses this one"));
            assertThat(result.exitCode()).isEqualTo(Termination.AuditFailed.EXIT_CODE);
            assertThat(result.stdoutText()).doesNotContain("the parent went on");
        }
        assertThat(recorded).as("the parent's call after its wait").noneMatch(record -> record.paths().stream()
                .anyMatch(path -> path.path().equals("/tmp/parent-went-on")));
    }

    @Test
    void anAuditFileOnAFullDiskStopsTheRunAtItsFirstCall() throws Exception {
        Path runs = Files.createDirectory(tmp.resolve("runs"));
        try (JsonLinesAudit full = new JsonLinesAudit(Path.of("/dev/full"));
                Sandbox sandbox = new Sandbox(Suite.config().tmpDirectory(runs)
                        .syscallTable(SyscallTable.defaults().withAudit(full)).build())) {
            RunResult result = sandbox.run(Guests.guest("audit"));

            assertThat(result.termination()).isInstanceOfSatisfying(Termination.AuditFailed.class,
                    failed -> assertThat(failed.reason()).contains("No space left on device"));
            assertThat(result.stdoutText()).doesNotContain("after: made");
        }
    }
}
