package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Any path bytes a guest can pass come back exactly from its audit record, through a real JSON
 * parser and the decoding docs/security.md gives; any strings a record holds make one line of
 * JSON that parses back to them.
 */
class AuditRecordProperties {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Property(tries = 2000)
    void anyPathBytesRoundTripThroughTheRecordAndAJsonParser(@ForAll("paths") byte[] oldpath,
            @ForAll("paths") byte[] newpath) throws Exception {
        List<SyscallAudit.Record> records = new CopyOnWriteArrayList<>();
        // Blocked: the record is made all the same, and no host file is touched.
        SyscallTable table = SyscallTable.defaults().with(Syscall.RENAMEAT2, SyscallAction.block())
                .withAudit(records::add);
        try (Guest guest = new Guest(IoConfig.builder())) {
            table.dispatch(SyscallRequest.of(Sysno.RENAMEAT2, AT_FDCWD, AuditRecordTest.cString(guest, oldpath),
                    AT_FDCWD, AuditRecordTest.cString(guest, newpath), 0), guest.memory, guest.io, guest.state);
        }

        String line = records.getFirst().toJson();
        assertThat(line).doesNotContain("\n");
        JsonNode record = JSON.readTree(line);
        assertThat(AuditRecordTest.decodePaths(record)).containsOnlyKeys("oldpath", "newpath")
                .containsEntry("oldpath", oldpath).containsEntry("newpath", newpath);
    }

    /**
     * Paths as a guest passes them: 0 to 4095 bytes, none NUL; mostly short, ASCII and UTF-8
     * with a few stray bytes, and sometimes anything.
     */
    @Provide
    Arbitrary<byte[]> paths() {
        Arbitrary<Byte> nonNul = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.bytes().between((byte) 1, (byte) 0x7f)),
                Tuple.of(2, Arbitraries.bytes().between((byte) 0x80, (byte) 0xff)),
                Tuple.of(1, Arbitraries.of((byte) '"', (byte) '\\', (byte) '\n', (byte) 0xed, (byte) 0xc0,
                        (byte) 0xf4, (byte) 0xbf)));
        return Arbitraries.frequencyOf(
                Tuple.of(8, nonNul.array(byte[].class).ofMaxSize(64)),
                Tuple.of(1, nonNul.array(byte[].class).ofMaxSize(SyscallCall.PATH_MAX - 1)));
    }

    @Property(tries = 1000)
    void anyStringsInARecordMakeOneLineOfJsonThatParsesBackToThem(@ForAll String call, @ForAll String arguments,
            @ForAll String action, @ForAll long result) throws Exception {
        String line = new SyscallAudit.Record(call, arguments, List.of(), action, result, Duration.ZERO).toJson();

        assertThat(line).doesNotContain("\n");
        JsonNode record = JSON.readTree(line);
        assertThat(record.get("call").asText()).isEqualTo(call);
        assertThat(record.get("arguments").asText()).isEqualTo(arguments);
        assertThat(record.get("action").asText()).isEqualTo(action);
        assertThat(record.get("result").asLong()).isEqualTo(result);
    }
}
