package dev.hyperlight.nanvix.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.vfs.HostTree;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of every forwarded call's argument decoding and implementation: a guest
 * writes bytes anywhere in its RAM, then makes a few calls with any number and any six argument
 * words (small fds, AT_FDCWD, addresses in and around RAM, extremes), dispatched by the real
 * {@link SyscallTable} over a real {@link HostIo} with a read-only mount and a writable one, each
 * holding symlinks planted on the host that point out of it.
 *
 * <p>The contract, for any input: {@link SyscallTable#dispatch} returns a value or one of Linux's
 * errnos and throws nothing; a call never claims more bytes than its buffer holds; the host never
 * writes outside guest RAM (guard bytes on both sides stay as they were); no byte of a host file
 * outside the mounts reaches guest RAM; nothing outside the mounts or in the read-only mount
 * changes. Calls that wait (a read of an empty pipe, nanosleep, poll) are ended by an interrupt
 * after {@link #CALL_DEADLINE_MS}, as the run's watchdog ends them in a real run.
 */
class SyscallDispatchFuzzTest {

    private static final int RAM = 64 * 1024;
    private static final int GUARD = 4096;
    private static final byte GUARD_BYTE = (byte) 0xa5;
    private static final long CALL_DEADLINE_MS = 20;
    private static final int MAX_CALLS = 8;
    private static final Set<Long> ERRNO_RESULTS = Set.copyOf(Arrays.stream(Errno.values()).map(Errno::result)
            .toList());
    /** Calls whose result is a count of bytes moved through their first buffer argument. */
    private static final Set<Syscall> COUNTING = Set.of(Syscall.READ, Syscall.WRITE, Syscall.PREAD64,
            Syscall.PWRITE64, Syscall.GETDENTS64, Syscall.READLINKAT, Syscall.GETRANDOM, Syscall.GETCWD,
            Syscall.SENDTO, Syscall.RECVFROM);
    /** Every forwarded call runs its default implementation, the network ones too (no network is behind them). */
    private static final SyscallTable TABLE = SyscallTable.defaults().with(Syscall.NETWORK, SyscallAction.accept())
            // An audit makes the table summarize every call's arguments, however wild.
            .withAudit(record -> assertThat(record.arguments()).isNotNull());

    private static HostTree host;
    private static ScheduledExecutorService watchdog;

    @BeforeAll
    static void plant() {
        host = new HostTree();
        watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "fuzz-call-deadline");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterAll
    static void remove() {
        watchdog.shutdownNow();
        host.close();
    }

    @FuzzTest
    void forwardedCallsAnswerWithAValueOrAnErrno(FuzzedDataProvider data) {
        Path tmp = host.newTmp();
        try (Arena arena = Arena.ofConfined();
                HostIo io = new HostIo(IoConfig.builder()
                        .mount(Mount.readOnly("/data", host.data()))
                        .mount(Mount.writable("/tmp", tmp))
                        .workingDirectory("/tmp")
                        .writeQuota("/tmp", 1 << 20)
                        .stdin(new ByteArrayInputStream(data.consumeBytes(data.consumeInt(0, 64))))
                        .stdout(OutputStream.nullOutputStream())
                        .stderr(OutputStream.nullOutputStream())
                        .build())) {
            MemorySegment whole = arena.allocate(GUARD + RAM + GUARD, 4096);
            whole.fill(GUARD_BYTE);
            MemorySegment ram = whole.asSlice(GUARD, RAM);
            ram.fill((byte) 0);
            GuestMemory memory = GuestMemory.of(ram);
            RunState runState = new RunState();
            boolean secretWasInRam = false;
            int calls = data.consumeInt(1, MAX_CALLS);
            for (int i = 0; i < calls && data.remainingBytes() > 0; i++) {
                writeGuestBytes(data, ram);
                secretWasInRam |= holdsSecret(ram);
                SyscallRequest request = new SyscallRequest(number(data), word(data), word(data), word(data),
                        word(data), word(data), word(data));

                long result = withDeadline(() -> TABLE.dispatch(request, memory, io, runState));

                assertThat(result >= 0 || ERRNO_RESULTS.contains(result)).as("%s returned %d", request, result)
                        .isTrue();
                Sysno.of(request.number()).map(Syscall::of).filter(COUNTING::contains).ifPresent(call -> {
                    int buffer = call.positionOf(Syscall.Buffer.class, 0);
                    long length = request.arg(((Syscall.Buffer) call.arguments().get(buffer)).lengthArgument());
                    assertThat(result < 0 || Long.compareUnsigned(result, length) <= 0)
                            .as("%s returned %d bytes for a buffer of %d", request, result, length).isTrue();
                });
                assertGuardsIntact(whole);
                if (!secretWasInRam) {
                    assertThat(holdsSecret(ram)).as("%s copied a file from outside the mounts into guest RAM", request)
                            .isFalse();
                }
            }
        } finally {
            HostTree.delete(tmp);
        }
        host.assertOutsideAndReadOnlyUnchanged();
    }

    /** The guest stores a few bytes (paths, structures) somewhere in its RAM. */
    private static void writeGuestBytes(FuzzedDataProvider data, MemorySegment ram) {
        while (data.remainingBytes() > 0 && data.consumeBoolean()) {
            int at = data.consumeInt(0, RAM - 1);
            byte[] bytes = data.consumeBytes(Math.min(data.consumeInt(0, 300), RAM - at));
            MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, at, bytes.length);
        }
    }

    /** Mostly a forwarded call; sometimes any call the guest kernel does not forward, or any number at all. */
    private static long number(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 9)) {
            case 0 -> data.consumeInt(0, 512);
            case 1 -> data.consumeLong();
            default -> data.pickValue(Syscall.FORWARDED).sysno().number();
        };
    }

    /** An argument word: what range checks trip on, addresses in and around RAM, or anything. */
    private static long word(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 7)) {
            case 0 -> data.consumeInt(-1, 12); // fds, small counts and flags
            case 1 -> Fcntl.AT_FDCWD;
            case 2, 3 -> data.consumeLong(0, RAM - 1); // an address in RAM
            case 4 -> data.consumeLong(RAM - 64, RAM + 64); // around its end
            case 5 -> data.pickValue(List.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0xffff_ffffL, 0x8000_0000L,
                    0x7fff_f000L, 1L << 40, 0xffff_8000_0000_0000L, (long) Integer.MIN_VALUE));
            case 6 -> data.consumeInt();
            default -> data.consumeLong();
        };
    }

    private static boolean holdsSecret(MemorySegment ram) {
        return new String(ram.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1).contains(HostTree.SECRET);
    }

    private static void assertGuardsIntact(MemorySegment whole) {
        MemorySegment untouched = MemorySegment.ofArray(new byte[GUARD]).fill(GUARD_BYTE);
        for (MemorySegment guard : List.of(whole.asSlice(0, GUARD), whole.asSlice(GUARD + RAM, GUARD))) {
            assertThat(guard.mismatch(untouched)).as("first byte the host wrote outside guest RAM").isEqualTo(-1L);
        }
    }

    private interface Call {
        long run();
    }

    /**
     * Runs {@code call}, interrupting it once it has waited (slept, parked) past the deadline. A
     * thread that is running is left alone: it may be loading and instrumenting a class, which an
     * interrupt would break, and a host loop that never ends is libFuzzer's -timeout to report.
     * The interrupt is disarmed under a lock before its flag is cleared, so none reaches the next
     * call.
     */
    private static long withDeadline(Call call) {
        Thread caller = Thread.currentThread();
        Object lock = new Object();
        boolean[] armed = {true};
        ScheduledFuture<?> deadline = watchdog.scheduleWithFixedDelay(() -> {
            synchronized (lock) {
                Thread.State state = caller.getState();
                if (armed[0] && (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)) {
                    armed[0] = false;
                    caller.interrupt();
                }
            }
        }, CALL_DEADLINE_MS, CALL_DEADLINE_MS, TimeUnit.MILLISECONDS);
        try {
            return call.run();
        } finally {
            synchronized (lock) {
                armed[0] = false;
            }
            deadline.cancel(false);
            Thread.interrupted();
        }
    }
}
