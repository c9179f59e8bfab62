package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.GuestNames;
import dev.hyperlight.nanvix.vfs.Mount;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit records of real calls: each path argument exact (a string when its bytes are UTF-8, else
 * base64), the summary one readable line, and a sink that fails stopping the call.
 */
class AuditRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] BAD_NAME = bytes("/tmp/bad", 0xff, 0xfe);

    @TempDir
    Path tmp;
    Guest guest;
    final List<SyscallAudit.Record> records = new CopyOnWriteArrayList<>();
    SyscallTable table;

    @BeforeEach
    void start() {
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp"));
        table = SyscallTable.defaults().withAudit(records::add);
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    /** {@code text}'s UTF-8 bytes followed by {@code more} raw bytes. */
    static byte[] bytes(String text, int... more) {
        byte[] head = text.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        for (int i = 0; i < more.length; i++) {
            all[head.length + i] = (byte) more[i];
        }
        return all;
    }

    /** A NUL-terminated copy of {@code bytes} in guest RAM. */
    static long cString(Guest guest, byte[] bytes) {
        long at = guest.alloc(bytes.length + 1);
        MemorySegment.copy(bytes, 0, guest.ram, ValueLayout.JAVA_BYTE, at, bytes.length);
        return at;
    }

    private long call(Sysno sysno, long... args) {
        return table.dispatch(SyscallRequest.of(sysno, args), guest.memory, guest.io, guest.state);
    }

    /** The exact bytes of each path member of a parsed record, by argument name (docs/security.md). */
    static Map<String, byte[]> decodePaths(JsonNode record) {
        Map<String, byte[]> paths = new java.util.LinkedHashMap<>();
        record.path("paths").properties().forEach(member -> {
            String name = member.getKey();
            if (name.endsWith("_b64")) {
                paths.put(name.substring(0, name.length() - 4), Base64.getDecoder().decode(member.getValue().asText()));
            } else {
                paths.put(name, member.getValue().asText().getBytes(StandardCharsets.UTF_8));
            }
        });
        return paths;
    }

    @Test
    void aNameThatIsNotUtf8IsRecordedExactlyAndLaterCallsToo() throws Exception {
        assertThat(call(Sysno.MKDIRAT, AT_FDCWD, cString(guest, BAD_NAME), 0755)).isZero();
        call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/tmp/after"), 0755);

        assertThat(records).hasSize(2);
        JsonNode bad = JSON.readTree(records.getFirst().toJson());
        assertThat(bad.get("call").asText()).isEqualTo("mkdirat");
        assertThat(bad.get("arguments").asText()).isEqualTo("dirfd=AT_FDCWD, pathname=\"/tmp/bad\\xff\\xfe\", mode=493");
        assertThat(bad.get("paths").get("pathname_b64").asText()).isEqualTo("L3RtcC9iYWT//g==");
        assertThat(decodePaths(bad)).containsOnlyKeys("pathname").containsEntry("pathname", BAD_NAME);
        assertThat(bad.get("result").asLong()).isZero();
        assertThat(records.getFirst().paths().getFirst().bytes()).isEqualTo(BAD_NAME);
        JsonNode after = JSON.readTree(records.get(1).toJson());
        assertThat(after.get("paths").get("pathname").asText()).isEqualTo("/tmp/after");
        assertThat(Files.isDirectory(tmp.resolve("after"))).isTrue();
    }

    @Test
    void utf8PathsAreJsonStringsWhateverCharactersTheyHold() throws Exception {
        String name = "/tmp/q\"uote\\back\nline\ttab\u0001é€😀";
        call(Sysno.OPENAT, AT_FDCWD, guest.string(name), 0);

        String line = records.getFirst().toJson();
        assertThat(line).doesNotContain("\n");
        JsonNode record = JSON.readTree(line);
        assertThat(record.get("paths").get("pathname").asText()).isEqualTo(name);
        assertThat(record.get("arguments").asText())
                .contains("pathname=\"/tmp/q\\\"uote\\\\back\\x0aline\\x09tab\\x01é€😀\"");
        assertThat(record.get("errno").asText()).isEqualTo("ENOENT");
    }

    @Test
    void eachPathArgumentIsAMemberOfItsOwn() throws Exception {
        byte[] target = bytes("/tmp/x", 0x80);
        call(Sysno.SYMLINKAT, cString(guest, target), AT_FDCWD, guest.string("/tmp/link"));

        JsonNode record = JSON.readTree(records.getFirst().toJson());
        assertThat(record.get("paths").properties()).extracting(Map.Entry::getKey)
                .containsExactly("target_b64", "linkpath");
        assertThat(decodePaths(record)).containsEntry("target", target)
                .containsEntry("linkpath", "/tmp/link".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPathTheHostCannotReadIsLeftOutAndTheSummarySaysWhy() throws Exception {
        call(Sysno.MKDIRAT, AT_FDCWD, Guest.RAM + 4096L, 0700);

        JsonNode record = JSON.readTree(records.getFirst().toJson());
        assertThat(record.has("paths")).isFalse();
        assertThat(record.get("arguments").asText()).contains("pathname=<EFAULT>");
        assertThat(record.get("errno").asText()).isEqualTo("EFAULT");
    }

    @Test
    void printableNamesAreOneLineOfWellFormedText() {
        String guest = GuestNames.decode(bytes("a\"b\\c\n\u007f😀é", 0xff, 0xc3));
        assertThat(GuestNames.printable(guest)).isEqualTo("a\\\"b\\\\c\\x0a\\x7f😀é\\xff\\xc3");
        // A handler's string may hold any char: a lone surrogate that stands for no byte.
        assertThat(GuestNames.printable("x\uD800y\uDC00")).isEqualTo("x\\ud800y\\udc00");
    }

    @Test
    void pathArgumentNamesAreUniqueInEveryCall() {
        for (Syscall syscall : Syscall.FORWARDED) {
            Set<String> names = new HashSet<>();
            for (Syscall.Argument argument : syscall.arguments()) {
                if (argument instanceof Syscall.Path path) {
                    assertThat(names.add(path.name())).as(syscall.name() + " " + path.name()).isTrue();
                }
            }
        }
    }

    @Test
    void aSinkThatFailsStopsTheCallWithAuditFailed() {
        List<String> recorded = new ArrayList<>();
        SyscallTable failing = SyscallTable.defaults().withAudit(record -> {
            if (record.call().equals("mkdirat")) {
                throw new IllegalStateException("sink is broken");
            }
            recorded.add(record.call());
        });
        long name = cString(guest, BAD_NAME);

        assertThatThrownBy(() -> failing.dispatch(SyscallRequest.of(Sysno.MKDIRAT, AT_FDCWD, name, 0700),
                guest.memory, guest.io, guest.state))
                .isInstanceOfSatisfying(AuditFailedException.class, e -> {
                    assertThat(e.record().call()).isEqualTo("mkdirat");
                    assertThat(e.record().result()).isZero();
                    assertThat(e.getMessage()).isEqualTo("the audit could not record mkdirat(dirfd=AT_FDCWD, "
                            + "pathname=\"/tmp/bad\\xff\\xfe\", mode=448) = 0: sink is broken");
                })
                .hasCauseInstanceOf(IllegalStateException.class);
        // A call without an entry is recorded, and can fail, the same way.
        assertThatThrownBy(() -> SyscallTable.defaults().withAudit(record -> {
            throw new IllegalStateException("no");
        }).dispatch(SyscallRequest.of(Sysno.GETUID), guest.memory, guest.io, guest.state))
                .isInstanceOf(AuditFailedException.class).hasMessageStartingWith("the audit could not record getuid()");
        assertThat(recorded).isEmpty();
    }

    @Test
    void aRecordMadeByHandHoldingAnyStringIsStillOneLineOfJson() throws Exception {
        String lone = "lone \uDCFF and \uD800 surrogates, \n and \u2028";
        SyscallAudit.Record record = new SyscallAudit.Record("x", lone, List.of(), "accept", 1, Duration.ofMillis(2));

        String line = record.toJson();

        assertThat(line).doesNotContain("\n").isEqualTo(new String(line.getBytes(StandardCharsets.UTF_8),
                StandardCharsets.UTF_8));
        assertThat(JSON.readTree(line).get("arguments").asText()).isEqualTo(lone);
        assertThat(JSON.readTree(line).get("duration_us").asLong()).isEqualTo(2000);
    }
}
