package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.IoConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the table tells an observer and Flight Recorder about each call it decides: the four
 * decisions, the result and errno, for calls driven the way the guest kernel makes them.
 */
class ForwardedCallObservationTest {

    private static final long AF_INET = 2;
    private static final long SOCK_STREAM = 1;
    private static final long UNASSIGNED = 100_000;

    @TempDir
    Path tmp;
    private final Guest guest = new Guest(IoConfig.builder());

    @AfterEach
    void stop() {
        guest.close();
    }

    record Decided(long number, SyscallDecision decision, long result, long nanos) {}

    private static final SyscallTable TABLE = SyscallTable.defaults()
            .with(Syscall.GETPID, SyscallAction.intercept((call, next) -> 4242))
            .with(Syscall.UNLINKAT, SyscallAction.block(Errno.EROFS));

    /** An accepted write, an intercepted getpid, a blocked unlinkat and socket, an unknown number. */
    private void makeOneCallOfEachDecision(SyscallTable table) {
        long text = guest.bytes("hi");
        assertThat(table.dispatch(SyscallRequest.of(Sysno.WRITE, 1, text, 2), guest.memory, guest.io, guest.state))
                .isEqualTo(2);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.GETPID), guest.memory, guest.io, guest.state))
                .isEqualTo(4242);
        assertThat(table.dispatch(SyscallRequest.of(Sysno.UNLINKAT, Guest.AT_FDCWD, guest.string("/x"), 0),
                guest.memory, guest.io, guest.state)).isEqualTo(err(Errno.EROFS));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SOCKET, AF_INET, SOCK_STREAM, 0), guest.memory, guest.io,
                guest.state)).isEqualTo(err(Errno.EACCES));
        assertThat(table.dispatch(new SyscallRequest(UNASSIGNED, 0, 0, 0, 0, 0, 0), guest.memory, guest.io,
                guest.state)).isEqualTo(err(Errno.ENOSYS));
    }

    @Test
    void anObserverIsToldTheNumberDecisionAndResultOfEveryCall() {
        List<Decided> decided = new CopyOnWriteArrayList<>();
        makeOneCallOfEachDecision(TABLE.withObserver((number, decision, result, nanos) ->
                decided.add(new Decided(number, decision, result, nanos))));

        assertThat(decided).extracting(Decided::number, Decided::decision, Decided::result).containsExactly(
                tuple((long) Sysno.WRITE.number(), SyscallDecision.ACCEPTED, 2L),
                tuple((long) Sysno.GETPID.number(), SyscallDecision.INTERCEPTED, 4242L),
                tuple((long) Sysno.UNLINKAT.number(), SyscallDecision.BLOCKED,
                        err(Errno.EROFS)),
                tuple((long) Sysno.SOCKET.number(), SyscallDecision.BLOCKED,
                        err(Errno.EACCES)),
                tuple(UNASSIGNED, SyscallDecision.NO_ENTRY, err(Errno.ENOSYS)));
        assertThat(decided).allSatisfy(d -> assertThat(d.nanos()).isNotNegative());
        assertThat(guest.stdout.toString()).isEqualTo("hi");
    }

    @Test
    void aLocalSocketPassesTheNetworkBlockAsAccepted() {
        List<SyscallDecision> decisions = new CopyOnWriteArrayList<>();
        SyscallTable table = SyscallTable.defaults().withObserver((n, decision, r, t) -> decisions.add(decision));
        final long afUnix = 1;
        assertThat(table.dispatch(SyscallRequest.of(Sysno.SOCKET, afUnix, SOCK_STREAM, 0), guest.memory, guest.io,
                guest.state)).isNotNegative();
        assertThat(decisions).containsExactly(SyscallDecision.ACCEPTED);
    }

    @Test
    void anObserverThatThrowsChangesNoResult() {
        SyscallTable table = TABLE.withObserver((n, d, r, t) -> {
            throw new IllegalStateException("metrics backend down");
        });
        makeOneCallOfEachDecision(table); // asserts every result, as without an observer
    }

    @Test
    void everyObserverIsToldInTurnEvenAfterOneThrows() {
        List<String> told = new CopyOnWriteArrayList<>();
        SyscallTable table = TABLE.withObserver((n, d, r, t) -> told.add("first"))
                .withObserver((n, d, r, t) -> {
                    throw new IllegalStateException("metrics backend down");
                })
                .withObserver((n, d, r, t) -> told.add("third"));
        assertThat(table.dispatch(SyscallRequest.of(Sysno.GETPID), guest.memory, guest.io, guest.state))
                .isEqualTo(4242);
        assertThat(told).containsExactly("first", "third");
    }

    @Test
    void theObserverAndTheAuditAreBothTold() {
        List<SyscallAudit.Record> records = new CopyOnWriteArrayList<>();
        List<SyscallDecision> decisions = new CopyOnWriteArrayList<>();
        makeOneCallOfEachDecision(TABLE.withAudit(records::add).withObserver((n, d, r, t) -> decisions.add(d)));
        assertThat(records).extracting(SyscallAudit.Record::action)
                .containsExactly("accept", "intercept", "block", "block-network", "none");
        assertThat(decisions).containsExactly(SyscallDecision.ACCEPTED, SyscallDecision.INTERCEPTED,
                SyscallDecision.BLOCKED, SyscallDecision.BLOCKED, SyscallDecision.NO_ENTRY);
    }

    @Test
    void aRecordingThatEnablesTheEventGetsEveryCallWithItsDecisionAndErrno() throws Exception {
        Path file = tmp.resolve("calls.jfr");
        try (Recording recording = new Recording()) {
            recording.enable(ForwardedCallEvent.NAME).withoutThreshold();
            recording.start();
            makeOneCallOfEachDecision(TABLE);
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(ForwardedCallEvent.NAME)).toList();

        assertThat(events).extracting(e -> e.getString("name"), e -> e.getLong("number"),
                e -> e.getString("decision"), e -> e.getLong("result"), e -> e.getString("errno")).containsExactly(
                tuple("write", (long) Sysno.WRITE.number(), "accepted", 2L, null),
                tuple("getpid", (long) Sysno.GETPID.number(), "intercepted", 4242L, null),
                tuple("unlinkat", (long) Sysno.UNLINKAT.number(), "blocked",
                        err(Errno.EROFS), "EROFS"),
                tuple("socket", (long) Sysno.SOCKET.number(), "blocked",
                        err(Errno.EACCES), "EACCES"),
                tuple("syscall_100000", UNASSIGNED, "no_entry", err(Errno.ENOSYS),
                        "ENOSYS"));
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getThread().getJavaName()).isEqualTo(Thread.currentThread().getName());
            assertThat(e.getStackTrace()).as("no stack trace").isNull();
            assertThat(e.getDuration().isNegative()).isFalse();
        });
    }

    @Test
    void theEventIsNamedAndCategorisedAsJdkEventsAreAndRecordsOnlySlowCallsByDefault() {
        EventType type = EventType.getEventType(ForwardedCallEvent.class);
        assertThat(type.getName()).isEqualTo("dev.hyperlight.nanvix.ForwardedCall");
        assertThat(type.getLabel()).isEqualTo("Forwarded System Call");
        assertThat(type.getCategoryNames()).containsExactly("Hyperlight-Nanvix", "System Calls");
        assertThat(type.getSettingDescriptors()).filteredOn(s -> s.getName().equals("threshold"))
                .singleElement().satisfies(s -> assertThat(s.getDefaultValue()).isEqualTo("20 ms"));
        assertThat(type.getFields()).extracting(f -> f.getName())
                .contains("name", "number", "decision", "result", "errno");
    }
}
