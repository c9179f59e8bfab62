package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.syscall.RunState;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the VM exit decoder and the hypercall page: before each exit the
 * guest writes any bytes anywhere in its RAM and any call number and six arguments into the
 * hypercall page, then exits through any port at any privilege level, or in any other way. The
 * page, LOG and PANIC messages, the FAULT record and the ENOSYS table are decoded by the real
 * {@link GuestRun}; forwarded calls go to the real {@link SyscallTable} ({@code
 * SyscallDispatchFuzzTest} fuzzes the calls themselves).
 *
 * <p>The contract, for any input: the run ends with a {@link GuestEnd} and no host exception;
 * every call's result is a value or a Linux errno; the ENOSYS table the host reads is bounded; the
 * host never writes outside guest RAM (guard bytes on both sides stay as they were).
 */
class HypercallFuzzTest {

    private static final int RAM = 64 * 1024;
    private static final int GUARD = 4096;
    private static final byte GUARD_BYTE = (byte) 0x5a;
    private static final long PAGE = GuestAbi.HYPERCALL_PAGE_GPA;
    private static final List<Integer> PORTS = List.of(GuestAbi.PORT_HYPERCALL, GuestAbi.PORT_EXIT,
            GuestAbi.PORT_FAULT, GuestAbi.PORT_LOG, GuestAbi.PORT_PANIC);
    private static final Set<Long> ERRNO_RESULTS = Set.copyOf(Arrays.stream(Errno.values()).map(Errno::result)
            .toList());
    /** Calls that wait (for a pipe, a timeout) would only slow the fuzzer: no watchdog runs here. */
    private static final SyscallTable TABLE = SyscallTable.defaults()
            .with(List.of(Syscall.NANOSLEEP, Syscall.POLL, Syscall.PIPE2, Syscall.SOCKETPAIR),
                    SyscallAction.block(Errno.EINTR));

    private static Path tmp;

    @BeforeAll
    static void directory() throws IOException {
        tmp = Files.createTempDirectory("hypercall-fuzz");
    }

    @AfterAll
    static void remove() throws IOException {
        try (var paths = Files.walk(tmp)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @FuzzTest
    void everyExitEndsInATerminationOrGoesOn(FuzzedDataProvider data) throws Exception {
        try (Arena arena = Arena.ofConfined();
                HostIo io = new HostIo(IoConfig.builder().mount(Mount.readOnly("/tmp", tmp))
                        .workingDirectory("/tmp").stdout(OutputStream.nullOutputStream())
                        .stderr(OutputStream.nullOutputStream()).build());
                RunLog log = RunLog.open("fuzz", Optional.empty())) {
            MemorySegment whole = arena.allocate(GUARD + RAM + GUARD, 4096);
            whole.fill(GUARD_BYTE);
            MemorySegment ram = whole.asSlice(GUARD, RAM);
            ram.fill((byte) 0);
            GuestMemory memory = GuestMemory.of(ram);
            IoChannel checked = new IoChannel() {
                private final IoChannel table = new InProcessIoChannel(TABLE, memory, io, new RunState());

                @Override
                public long call(SyscallRequest request, long cr3) {
                    long result = table.call(request, cr3);
                    assertThat(result >= 0 || ERRNO_RESULTS.contains(result)).as("%s returned %d", request, result)
                            .isTrue();
                    return result;
                }

                @Override
                public FastCalls.Program program(long cr3) {
                    return table.program(cr3);
                }

                @Override
                public void close() {}
            };
            GuestRun loop = new GuestRun(new FuzzedGuest(data, ram), memory, PAGE, checked, log, () -> false, OptionalInt.empty());

            GuestRun.Outcome outcome = loop.run(() -> new GuestEnd.VmFailed("stopped"), false);

            assertThat(outcome.end()).isNotNull();
            assertThat(outcome.unsupportedSyscalls().size()).isLessThanOrEqualTo(512);
            MemorySegment untouched = MemorySegment.ofArray(new byte[GUARD]).fill(GUARD_BYTE);
            assertThat(whole.asSlice(0, GUARD).mismatch(untouched)).isEqualTo(-1L);
            assertThat(whole.asSlice(GUARD + RAM, GUARD).mismatch(untouched)).isEqualTo(-1L);
        }
    }

    /** A vCPU whose guest does what the fuzzer's bytes say before each exit; interrupted when they run out. */
    private static final class FuzzedGuest extends StubVirtualCpu {
        private final FuzzedDataProvider data;
        private final MemorySegment ram;

        FuzzedGuest(FuzzedDataProvider data, MemorySegment ram) {
            this.data = data;
            this.ram = ram;
        }

        @Override
        public VmExit run() {
            if (data.remainingBytes() == 0) {
                return new VmExit.Interrupted();
            }
            while (data.remainingBytes() > 0 && data.consumeBoolean()) {
                int at = data.consumeInt(0, RAM - 1);
                byte[] bytes = data.consumeBytes(Math.min(data.consumeInt(0, 64), RAM - at));
                MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, at, bytes.length);
            }
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_NR_OFFSET, word());
            for (int i = 0; i < 6; i++) {
                ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_ARGS_OFFSET + 8L * i, word());
            }
            int privilege = data.consumeInt(0, 9) == 0 ? data.consumeInt(1, 3) : 0;
            int port = data.consumeBoolean() ? data.pickValue(PORTS) : data.consumeInt(0, 0xffff);
            return switch (data.consumeInt(0, 15)) {
                case 0 -> new VmExit.IoIn(port, 4, privilege);
                case 1 -> new VmExit.Mmio(data.consumeLong(), 8, data.consumeBoolean(), data.consumeLong());
                case 2 -> data.pickValue(List.of(new VmExit.Halt(), new VmExit.Shutdown(), new VmExit.Interrupted()));
                case 3 -> new VmExit.FailEntry(data.consumeLong());
                case 4 -> new VmExit.InternalError(data.consumeInt());
                case 5 -> new VmExit.Unknown(data.consumeInt());
                default -> new VmExit.IoOut(port, 4, data.consumeLong(), privilege);
            };
        }

        /** A page word: small numbers, addresses in and around RAM, extremes, or anything. */
        private long word() {
            return switch (data.consumeInt(0, 5)) {
                case 0 -> data.consumeInt(-1, 600);
                case 1, 2 -> data.consumeLong(0, RAM - 1);
                case 3 -> data.consumeLong(RAM - 64, RAM + 64);
                case 4 -> data.pickValue(List.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0xffff_ffffL, 1L << 40));
                default -> data.consumeLong();
            };
        }

        @Override
        public Registers registers() {
            return Registers.entry(0x401000, 0x7ff0, 2, 0, 0);
        }
    }
}
