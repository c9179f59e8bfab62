package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accept, intercept and block: what handlers see, what they may change, and the audit trail. */
class InterpositionTest {

    @TempDir
    Path tmp;
    Guest guest;
    final List<String> opened = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        Files.writeString(tmp.resolve("f"), "file content");
        Files.writeString(tmp.resolve("other"), "other content");
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp"));
    }

    @AfterEach
    void stop() {
        guest.close();
    }

    private void audit(String path) {
        opened.add(path);
    }

    private long call(SyscallTable table, Sysno sysno, long... args) {
        return table.dispatch(SyscallRequest.of(sysno, args), guest.memory, guest.io, guest.state);
    }

    @Test
    void theIssueExampleAuditsOpensAndBlocksUnlinks() {
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.OPENAT, SyscallAction.intercept((call, next) -> {
                    audit(call.path());
                    return next.proceed(call);
                }))
                .with(Syscall.UNLINKAT, SyscallAction.block(Errno.EACCES));
        assertThat(call(table, Sysno.OPENAT, AT_FDCWD, guest.string("f"), O_RDONLY)).isGreaterThanOrEqualTo(3);
        assertThat(call(table, Sysno.OPENAT, AT_FDCWD, guest.string("/tmp/missing"), O_RDONLY))
                .isEqualTo(err(Errno.ENOENT));
        assertThat(opened).containsExactly("f", "/tmp/missing");
        assertThat(call(table, Sysno.UNLINKAT, AT_FDCWD, guest.string("f"), 0)).isEqualTo(err(Errno.EACCES));
        assertThat(tmp.resolve("f")).exists();
        assertThat(SyscallAction.block()).isEqualTo(new SyscallAction.Block(Errno.EPERM));
    }

    @Test
    void aHandlerMayChangeArgumentsAndResults() {
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.OPENAT, SyscallAction.intercept(
                        (call, next) -> next.proceed(call.path().equals("f") ? call.withPath("other") : call)))
                .with(Syscall.WRITE, SyscallAction.intercept((call, next) -> {
                    long written = next.proceed(call.withArgument(2, Math.min(call.argument(2), 3)));
                    return written < 0 ? written : call.argument(2);
                }));
        long fd = call(table, Sysno.OPENAT, AT_FDCWD, guest.string("f"), O_RDONLY);
        long buffer = guest.alloc(64);
        long n = call(table, Sysno.READ, fd, buffer, 64);
        assertThat(guest.ram.asSlice(buffer, n).toArray(ValueLayout.JAVA_BYTE))
                .asString(StandardCharsets.UTF_8).isEqualTo("other content");
        assertThat(call(table, Sysno.WRITE, 1, guest.string("hello"), 5)).isEqualTo(5);
        assertThat(guest.stdout.toString(StandardCharsets.UTF_8)).isEqualTo("hel");
    }

    @Test
    void handlersSeeValidatedArgumentsAndBadOnesFailTheCall() {
        List<String> seen = new CopyOnWriteArrayList<>();
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.OPENAT, SyscallAction.intercept((call, next) -> {
                    seen.add(call.fd() + " " + call.path());
                    return next.proceed(call);
                }))
                .with(Syscall.WRITE, SyscallAction.intercept((call, next) -> {
                    seen.add("write " + call.buffer().byteSize());
                    return next.proceed(call);
                }));
        assertThat(call(table, Sysno.OPENAT, AT_FDCWD, Guest.RAM + 10L, O_RDONLY)).isEqualTo(err(Errno.EFAULT));
        assertThat(call(table, Sysno.WRITE, 1, Guest.RAM - 2L, 8)).isEqualTo(err(Errno.EFAULT));
        assertThat(call(table, Sysno.WRITE, 1, guest.string("abc"), 3)).isEqualTo(3);
        assertThat(seen).containsExactly("write 3");
    }

    @Test
    void handlersKeepStatePerRunAndPerTable() throws IOException {
        AtomicInteger allRuns = new AtomicInteger();
        SyscallTable table = SyscallTable.defaults().with(Syscall.OPENAT, SyscallAction.intercept((call, next) -> {
            allRuns.incrementAndGet();
            AtomicInteger thisRun = call.runState()
                    .get(AtomicInteger.class, AtomicInteger::new);
            return thisRun.incrementAndGet() > 2 ? Errno.EMFILE.result() : next.proceed(call);
        }));
        try (Guest other = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp"))) {
            for (int i = 0; i < 2; i++) {
                assertThat(call(table, Sysno.OPENAT, AT_FDCWD, guest.string("f"), O_RDONLY)).isGreaterThanOrEqualTo(3);
            }
            assertThat(call(table, Sysno.OPENAT, AT_FDCWD, guest.string("f"), O_RDONLY)).isEqualTo(err(Errno.EMFILE));
            assertThat(table.dispatch(SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, other.string("f"), O_RDONLY),
                    other.memory, other.io, other.state)).as("another run starts afresh").isGreaterThanOrEqualTo(3);
        }
        assertThat(allRuns.get()).isEqualTo(4);
    }

    @Test
    void theAuditSeesEveryDecidedCall() {
        List<SyscallAudit.Record> records = new CopyOnWriteArrayList<>();
        SyscallTable table = SyscallTable.defaults().with(Syscall.UNLINKAT, SyscallAction.block())
                .withAudit(records::add);
        long fd = call(table, Sysno.OPENAT, AT_FDCWD, guest.string("/tmp/f"), O_RDONLY | O_CLOEXEC);
        call(table, Sysno.UNLINKAT, AT_FDCWD, guest.string("f"), 0);
        call(table, Sysno.SOCKET, 2, 1, 0);
        call(table, Sysno.GETUID);
        assertThat(records).extracting(SyscallAudit.Record::call, SyscallAudit.Record::action,
                SyscallAudit.Record::result).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("openat", "accept", fd),
                        org.assertj.core.groups.Tuple.tuple("unlinkat", "block", err(Errno.EPERM)),
                        org.assertj.core.groups.Tuple.tuple("socket", "block-network", err(Errno.EACCES)),
                        org.assertj.core.groups.Tuple.tuple("getuid", "none", err(Errno.ENOSYS)));
        assertThat(records.getFirst().arguments())
                .isEqualTo("dirfd=AT_FDCWD, pathname=\"/tmp/f\", flags=O_RDONLY|O_CLOEXEC, mode=0");
        assertThat(records.get(2).toJson()).isEqualTo("{\"call\":\"socket\",\"arguments\":\"domain=2, "
                + "type=SOCK_STREAM, protocol=0\",\"action\":\"block-network\",\"result\":-13,\"errno\":\"EACCES\","
                + "\"duration_us\":" + records.get(2).duration().toNanos() / 1000 + "}");
    }

    @Test
    void jsonLinesAuditWritesOneLinePerCall() throws IOException {
        Path file = tmp.resolve("audit.jsonl");
        try (JsonLinesAudit audit = new JsonLinesAudit(file)) {
            SyscallTable table = SyscallTable.defaults().withAudit(audit);
            call(table, Sysno.OPENAT, AT_FDCWD, guest.string("quote\"d\n"), O_RDONLY);
            call(table, Sysno.GETCWD, guest.alloc(64), 64);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.getFirst()).startsWith("{\"call\":\"openat\",\"arguments\":\"dirfd=AT_FDCWD, "
                + "pathname=\\\"quote\\\\\\\"d\\\\x0a\\\"").contains("\"paths\":{\"pathname\":\"quote\\\"d\\n\"}",
                "\"errno\":\"ENOENT\"");
        assertThat(lines.get(1)).contains("\"call\":\"getcwd\"", "\"result\":5");
    }
}
