package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit file: whole JSON lines only, and a write that fails fails every later record too. */
class JsonLinesAuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyscallAudit.Record RECORD = new SyscallAudit.Record("getpid", "", List.of(), "accept", 1,
            Duration.ZERO);

    @TempDir
    Path tmp;

    private static List<JsonNode> parse(Path file) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    @Test
    void eachRecordIsOneLineAppendedAtOnce() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        Files.writeString(file, "{\"earlier\":true}\n");
        try (Guest guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)));
                JsonLinesAudit audit = new JsonLinesAudit(file)) {
            SyscallTable table = SyscallTable.defaults().withAudit(audit);
            table.dispatch(SyscallRequest.of(Sysno.MKDIRAT, AT_FDCWD,
                    AuditRecordTest.cString(guest, AuditRecordTest.bytes("/tmp/d", 0xff)), 0700), guest.memory, guest.io, guest.state);
            // Written when recorded, not when closed.
            assertThat(parse(file)).hasSize(2);
            table.dispatch(SyscallRequest.of(Sysno.GETCWD, guest.alloc(64), 64), guest.memory, guest.io, guest.state);
        }

        List<JsonNode> records = parse(file);
        assertThat(records).hasSize(3);
        assertThat(records.get(1).get("paths").get("pathname_b64").asText()).isEqualTo("L3RtcC9k/w==");
        assertThat(records.get(2).get("call").asText()).isEqualTo("getcwd");
    }

    @Test
    void aFullDiskFailsTheRecordAndEveryLaterOne() throws IOException {
        try (JsonLinesAudit audit = new JsonLinesAudit(Path.of("/dev/full"))) {
            assertThatThrownBy(() -> audit.record(RECORD)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("cannot write the audit file /dev/full")
                    .hasMessageContaining("No space left on device");
            assertThatThrownBy(() -> audit.record(RECORD)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("failed earlier");
        }
    }

    @Test
    void aFailingAuditFileStopsTheCallThroughTheTable() throws IOException {
        try (Guest guest = new Guest(IoConfig.builder()); JsonLinesAudit audit = new JsonLinesAudit(Path.of("/dev/full"))) {
            SyscallTable table = SyscallTable.defaults().withAudit(audit);
            assertThatThrownBy(() -> table.dispatch(SyscallRequest.of(Sysno.GETPID), guest.memory, guest.io, guest.state))
                    .isInstanceOf(AuditFailedException.class).hasMessageContaining("No space left on device");
        }
    }

    @Test
    void aClosedAuditFileFailsTheRecord() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        JsonLinesAudit audit = new JsonLinesAudit(file);
        audit.record(RECORD);
        audit.close();

        assertThatThrownBy(() -> audit.record(RECORD)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot write the audit file");
        assertThat(parse(file)).hasSize(1);
    }

    @Test
    void whatAFailedWriteLeftOfALineIsCutOff() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        Files.writeString(file, "{\"a\":1}\n{\"b\":2}\n{\"c\":");
        JsonLinesAudit.cutPartialLine(file);
        assertThat(Files.readString(file)).isEqualTo("{\"a\":1}\n{\"b\":2}\n");

        JsonLinesAudit.cutPartialLine(file);
        assertThat(Files.readString(file)).as("whole lines stay").isEqualTo("{\"a\":1}\n{\"b\":2}\n");

        // A partial line longer than one chunk read back.
        Files.writeString(file, "{\"a\":1}\n" + "x".repeat(200_000));
        JsonLinesAudit.cutPartialLine(file);
        assertThat(Files.readString(file)).isEqualTo("{\"a\":1}\n");

        Files.writeString(file, "no newline at all");
        JsonLinesAudit.cutPartialLine(file);
        assertThat(Files.readString(file)).isEmpty();
    }
}
