package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.syscall.AuditFailedException;
import dev.hyperlight.nanvix.syscall.SyscallAudit;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit decoding with a scripted vCPU: what each exit means, and that guest words are checked. */
class GuestRunTest {

    private static final long PAGE = GuestAbi.HYPERCALL_PAGE_GPA;
    private static final int KERNEL = 0;
    private static final int USER = 3;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ram = arena.allocate(64 * 1024, 4096);
    private final GuestMemory memory = GuestMemory.of(ram);
    private final List<SyscallRequest> served = new ArrayList<>();
    private final ScriptedCpu cpu = new ScriptedCpu();
    /** What the host answers each served call (the syscall table, in a real run). */
    private ToLongFunction<SyscallRequest> host = request -> 42;
    /** The door asks the program: its umask is readable (022) unless this is false; fd 5... are files, PIPE_FD a pipe. */
    private boolean doorPageReadable = true;
    private static final long PIPE_FD = 9;

    @AfterEach
    void free() {
        arena.close();
    }

    private GuestRun.Outcome run() throws HypervisorException {
        return run(null);
    }

    private GuestRun.Outcome run(GuestEnd stopReason) throws HypervisorException {
        try (RunLog log = RunLog.open("test", Optional.empty())) {
            return run(stopReason, log);
        }
    }

    private GuestRun.Outcome run(GuestEnd stopReason, RunLog log) throws HypervisorException {
        return loop(log, OptionalInt.empty()).run(() -> stopReason, false);
    }

    private GuestRun loop(RunLog log, OptionalInt startPoint) {
        IoChannel channel = new IoChannel() {
            @Override
            public long call(SyscallRequest request, long cr3) {
                served.add(request);
                return host.applyAsLong(request);
            }

            @Override
            public FastCalls.Program program(long cr3) {
                return new FastCalls.Program() {
                    @Override
                    public long umask() {
                        if (!doorPageReadable) {
                            throw new dev.hyperlight.nanvix.memory.UserPageFault(GuestAbi.DOOR_VA, 8, false,
                                    dev.hyperlight.nanvix.memory.UserTranslation.Reason.NOT_PRESENT);
                        }
                        return 022;
                    }

                    @Override
                    public boolean writeCanBreakPipe(long fd) {
                        return fd == PIPE_FD;
                    }

                    @Override
                    public boolean readWouldWait(long fd) {
                        return false;
                    }
                };
            }

            @Override
            public void close() {}
        };
        return new GuestRun(cpu, memory, PAGE, channel, log, () -> false, startPoint);
    }

    private void page(long nr, long... args) {
        ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE, nr);
        for (int i = 0; i < args.length; i++) {
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + 8 + 8L * i, args[i]);
        }
    }

    @Test
    void hypercallIsServedAndItsResultWrittenBack() throws Exception {
        cpu.then(() -> page(1, 1, 0x8000, 5), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL))
                .then(() -> page(0, 7, 0, 0), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 7, KERNEL));

        GuestRun.Outcome outcome = run();

        assertThat(served).containsExactly(new SyscallRequest(1, 1, 0x8000, 5, 0, 0, 0));
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_RESULT_OFFSET)).isEqualTo(42);
        assertThat(outcome.end()).isEqualTo(new GuestEnd.Exited(7));
    }

    @Test
    void aReadOfTheStartFdStopsTheLoopUnansweredAndOnlyThatOne() throws Exception {
        cpu.then(() -> page(0, 4, 0x8000, 16), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL)) // read fd 4
                .then(() -> page(1, 3, 0x8000, 16), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL)) // write fd 3
                .then(() -> {
                    page(0, 3, 0x8000, 16);
                    ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_RESULT_OFFSET, -1);
                }, new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL)); // read fd 3

        GuestRun.Outcome outcome;
        try (RunLog log = RunLog.open("test", Optional.empty())) {
            outcome = loop(log, OptionalInt.of(3)).run(() -> null, false);
        }

        assertThat(outcome).isSameAs(GuestRun.AT_START_POINT);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_RESULT_OFFSET)).isEqualTo(-1);
        assertThat(served).containsExactly(new SyscallRequest(0, 4, 0x8000, 16, 0, 0, 0),
                new SyscallRequest(1, 3, 0x8000, 16, 0, 0, 0));
    }

    @Test
    void aCloneServesThePendingHypercallBeforeItsFirstEntry() throws Exception {
        page(0, 3, 0x8000, 16);
        cpu.then(() -> assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_RESULT_OFFSET))
                        .isEqualTo(42),
                new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 0, KERNEL));

        GuestRun.Outcome outcome;
        try (RunLog log = RunLog.open("test", Optional.empty())) {
            outcome = loop(log, OptionalInt.empty()).run(() -> null, true);
        }

        assertThat(served).containsExactly(new SyscallRequest(0, 3, 0x8000, 16, 0, 0, 0));
        assertThat(outcome.end()).isEqualTo(new GuestEnd.Exited(0));
    }

    @Test
    void exitReadsTheEnosysTable() throws Exception {
        ram.set(ValueLayout.JAVA_INT_UNALIGNED, 0x9000, 334);
        ram.set(ValueLayout.JAVA_INT_UNALIGNED, 0x9004, 2);
        cpu.then(() -> page(0, 0x9000, 1), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 0x1ff, KERNEL));

        GuestRun.Outcome outcome = run();

        assertThat(outcome.end()).isEqualTo(new GuestEnd.Exited(0xff));
        assertThat(outcome.unsupportedSyscalls()).isEqualTo(Map.of(334, 2));
    }

    @Test
    void theKernelsRunFlagsSayWhetherMemoryRanOut() throws Exception {
        cpu.then(() -> page(0, 0, 0), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 1, KERNEL));
        assertThat(run().memoryLimitReached()).isFalse();

        cpu.then(() -> page(GuestAbi.RUN_FLAG_MEMORY_LIMIT_REACHED, 0, 0), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 1, KERNEL));
        assertThat(run().memoryLimitReached()).isTrue();

        // An out-of-memory kill: the fault record's vector and error code are not an ENOSYS table.
        cpu.then(() -> page(GuestAbi.RUN_FLAG_MEMORY_LIMIT_REACHED, 14, 6, 0x401000, 0x10, 0x7ff0, 1),
                new VmExit.IoOut(GuestAbi.PORT_FAULT, 4, 9, KERNEL));
        GuestRun.Outcome killed = run();
        assertThat(killed.memoryLimitReached()).isTrue();
        assertThat(killed.unsupportedSyscalls()).isEmpty();
        assertThat(killed.end()).isInstanceOfSatisfying(GuestEnd.Faulted.class,
                fault -> assertThat(fault.signal()).isEqualTo(9));
    }

    @Test
    void portWritesFromUserModeAreFaultsNotHypercalls() throws Exception {
        cpu.then(() -> page(1, 1, 0x8000, 5), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, USER));

        GuestRun.Outcome outcome = run();

        assertThat(served).isEmpty();
        assertThat(outcome.end()).isInstanceOfSatisfying(GuestEnd.Faulted.class, fault -> {
            assertThat(fault.signal()).isEqualTo(11);
            assertThat(fault.detail()).contains("I/O port 0x6e0 accessed in user mode");
        });
    }

    @Test
    void guestFaultRecordBecomesAFaultedTermination() throws Exception {
        cpu.then(() -> page(0, 14, 0x6, 0x401000, 0x10, 0x7ff0, 1), new VmExit.IoOut(GuestAbi.PORT_FAULT, 4, 11, KERNEL));

        assertThat(run().end()).isEqualTo(
                new GuestEnd.Faulted(11, "page fault at 0x10 (write, not present)", 0x401000));
    }

    @Test
    void panicMessageIsReadWithinBoundsAndCut() throws Exception {
        byte[] text = "kernel lost its way".getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(text, 0, ram, ValueLayout.JAVA_BYTE, 0xa000, text.length);
        cpu.then(() -> page(0, 0xa000, text.length), new VmExit.IoOut(GuestAbi.PORT_PANIC, 4, 0, KERNEL));

        assertThat(run().end())
                .isEqualTo(new GuestEnd.VmFailed("guest kernel panic: kernel lost its way"));
    }

    @Test
    void addressesOutsideGuestRamEndTheRunInsteadOfReachingTheHost() throws Exception {
        cpu.then(() -> page(0, Long.MAX_VALUE - 2, 100), new VmExit.IoOut(GuestAbi.PORT_LOG, 4, 0, KERNEL));

        assertThat(run().end()).isInstanceOfSatisfying(GuestEnd.VmFailed.class,
                failed -> assertThat(failed.reason()).startsWith("guest kernel passed a bad address"));
    }

    @Test
    void everyOtherExitEndsTheRunAsAVmFailure() throws Exception {
        List<VmExit> exits = List.of(new VmExit.Halt(), new VmExit.Shutdown(), new VmExit.FailEntry(0x21),
                new VmExit.InternalError(1), new VmExit.Unknown(99), new VmExit.Mmio(0x1_0000_0000L, 4, true, 1),
                new VmExit.IoIn(0x60, 1, KERNEL), new VmExit.IoOut(0x80, 1, 0, KERNEL));
        for (VmExit exit : exits) {
            cpu.then(() -> {}, exit);
            assertThat(run().end()).as(exit.toString()).isInstanceOf(GuestEnd.VmFailed.class);
        }
    }

    @Test
    void anInterruptionEndsTheRunForTheReasonTheHostGave() throws Exception {
        for (GuestEnd reason : new GuestEnd[] {new GuestEnd.TimedOut(Duration.ofSeconds(1)),
            new GuestEnd.CpuTimeExceeded(Duration.ofMillis(500)), new GuestEnd.VmFailed("the run was cancelled")}) {
            cpu.then(() -> {}, new VmExit.Interrupted());
            assertThat(run(reason).end()).isEqualTo(reason);
        }
    }

    @Test
    void aCallTheAuditCannotRecordEndsTheRunBeforeTheGuestSeesItsResult() throws Exception {
        SyscallAudit.Record record = new SyscallAudit.Record("mkdirat", "dirfd=AT_FDCWD", List.of(), "accept", 0,
                Duration.ZERO);
        host = request -> {
            throw new AuditFailedException(record, new IllegalStateException("disk full"));
        };
        ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_RESULT_OFFSET, -1);
        cpu.then(() -> page(83, -100, 0x8000, 0700), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL))
                .then(() -> page(39), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL));

        GuestRun.Outcome outcome = run();

        assertThat(outcome.end()).isEqualTo(new GuestEnd.AuditFailed(
                "the audit could not record mkdirat(dirfd=AT_FDCWD) = 0: disk full"));
        assertThat(served).hasSize(1);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_RESULT_OFFSET))
                .as("no result reaches the guest").isEqualTo(-1);
        assertThat(cpu.steps).as("the guest does not run again").hasSize(1);
    }

    @Test
    void anInterruptionIsLoggedWithWhereTheGuestWas(@TempDir Path logs) throws Exception {
        GuestEnd reason = new GuestEnd.TimedOut(Duration.ofSeconds(1));
        cpu.then(() -> {}, new VmExit.Interrupted());
        try (RunLog log = RunLog.open("test", Optional.of(logs))) {
            assertThat(run(reason, log).end()).isEqualTo(reason);
        }

        assertThat(Files.readString(logs.resolve(RunLog.FILE_NAME)))
                .contains("stopped at rip 0x401000, rsp 0x7ff0: " + reason);
    }

    /** A vCPU that replays exits, running a guest-side action (writing the page) before each. */
    private static final class ScriptedCpu extends StubVirtualCpu {
        private record Step(Runnable guest, VmExit exit) {}

        private final Deque<Step> steps = new ArrayDeque<>();
        /** The registers at the next exits (a door exit's), else the kernel's. */
        private Registers registers = Registers.entry(0x401000, 0x7ff0, 2, 0, 0);
        /** What the host resumed the vCPU with after door exits. */
        final List<Registers> resumed = new ArrayList<>();
        /** The CPL the special registers report, and what the host set the registers to. */
        private int privilege = KERNEL;
        final List<Registers> set = new ArrayList<>();

        ScriptedCpu then(Runnable guest, VmExit exit) {
            steps.add(new Step(guest, exit));
            return this;
        }

        @Override
        public VmExit run() {
            Step step = steps.remove();
            step.guest().run();
            return step.exit();
        }

        @Override
        public Registers registers() {
            return registers;
        }

        @Override
        public long exitCr3() {
            return 0x9000;
        }

        @Override
        public void resumeWith(Registers registers) {
            resumed.add(registers);
        }

        @Override
        public void setRegisters(Registers registers) {
            set.add(registers);
        }

        @Override
        public SpecialRegisters specialRegisters() {
            Segment flat = new Segment(0, 0, 0, 0, true, privilege, false, true, false, false, false, false);
            DescriptorTable empty = new DescriptorTable(0, 0);
            return new SpecialRegisters(flat, flat, flat, flat, flat, flat, flat, flat, empty, empty,
                    1, 0, 0, 0, 0, 0, 0);
        }
    }

    /** The program's SYSCALL through the door: RAX the number, RDI.. the arguments, RCX and R11 as SYSCALL left them. */
    private static Registers door(long rip, long nr, long rdi, long rsi, long rdx) {
        return new Registers(nr, 0, 0x40_1234, rdx, rsi, rdi, 0x7ff0, 0, 0, 0, 0, 0x8d7 | 0x3000 | 0x4000,
                0, 0, 0, 0, rip, 0x2);
    }

    private static final long DOOR_OUT = GuestAbi.DOOR_VA + GuestAbi.DOOR_OUT_OFFSET;
    private static final VmExit DOOR_EXIT = new VmExit.IoOut(GuestAbi.PORT_SYSCALL, 1, 0, USER);

    @Test
    void theDoorServesAFastCallFromTheRegistersAndResumesAfterTheSyscall() throws Exception {
        host = request -> 4096;
        cpu.then(() -> cpu.registers = door(DOOR_OUT + 2, 0, 5, 0x7000_0000, 100), DOOR_EXIT) // read(5, buf, 100)
                .then(() -> cpu.registers = door(DOOR_OUT, 5, 6, 0x7000_1000, 0), DOOR_EXIT) // fstat(6, buf)
                .then(() -> page(0, 7, 0, 0), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 0, KERNEL));

        assertThat(run().end()).isEqualTo(new GuestEnd.Exited(0));

        assertThat(served).containsExactly(new SyscallRequest(0, 5, 0x7000_0000, 100, 0, 0, 0),
                new SyscallRequest(262, 6, 0, 0x7000_1000, 0x1000, 0, 0));
        assertThat(cpu.resumed).hasSize(2).allSatisfy(resumed -> {
            assertThat(resumed.rax()).isEqualTo(4096);
            assertThat(resumed.rip()).as("SYSCALL's return address").isEqualTo(0x40_1234);
            assertThat(resumed.rflags()).as("R11's user flags; no IOPL, no NT; IF").isEqualTo(0x8d7 | 0x202);
        });
    }

    @Test
    void theDoorLeavesToTheKernelWhatItCannotServeAlone() throws Exception {
        doorPageReadable = false;
        cpu.then(() -> cpu.registers = door(DOOR_OUT + 2, 39, 0, 0, 0), DOOR_EXIT) // getpid: not fast
                .then(() -> cpu.registers = door(DOOR_OUT + 2, 257, -100, 0x7000_0000, 0100), DOOR_EXIT) // O_CREAT, no umask
                .then(() -> cpu.registers = door(DOOR_OUT + 2, 1, PIPE_FD, 0x7000_0000, 100), DOOR_EXIT) // SIGPIPE's
                .then(() -> cpu.registers = door(DOOR_OUT + 2, 0, 5, 0x7000_0000, 100), DOOR_EXIT) // a range not mapped
                .then(() -> page(0, 7, 0, 0), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 0, KERNEL));
        host = request -> {
            throw new dev.hyperlight.nanvix.memory.UserPageFault(0x7000_0000, 100, true,
                    dev.hyperlight.nanvix.memory.UserTranslation.Reason.NOT_PRESENT);
        };

        assertThat(run().end()).isEqualTo(new GuestEnd.Exited(0));

        assertThat(served).containsExactly(new SyscallRequest(0, 5, 0x7000_0000, 100, 0, 0, 0));
        assertThat(cpu.resumed).as("nothing changed: the door goes on into the kernel").isEmpty();
    }

    @Test
    void aDoorReadOfTheStartFdIsLeftToTheKernelWhereTheTemplateStops() throws Exception {
        cpu.then(() -> cpu.registers = door(DOOR_OUT + 2, 0, 3, 0x7000_0000, 100), DOOR_EXIT)
                .then(() -> page(0, 3, 0x8000, 16), new VmExit.IoOut(GuestAbi.PORT_HYPERCALL, 4, 0, KERNEL));

        GuestRun.Outcome outcome;
        try (RunLog log = RunLog.open("test", Optional.empty())) {
            outcome = loop(log, OptionalInt.of(3)).run(() -> null, false);
        }

        assertThat(outcome).isSameAs(GuestRun.AT_START_POINT);
        assertThat(served).isEmpty();
        assertThat(cpu.resumed).isEmpty();
    }

    /**
     * A nudge preempts a program in user mode while the kernel asks for it: the program enters the
     * kernel as a system call at its instruction, its own RAX, RCX and R11 in the page.
     */
    @Test
    void aNudgeSendsAProgramIntoTheKernelOnlyInUserModeAndWhileAsked() throws Exception {
        long entry = 0x7f80_0020_0350L;
        Registers program = new Registers(11, 12, 13, 14, 15, 16, 0x7ff0, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                0x40_1000, 0x246);
        VmExit nudged = new VmExit.Nudged();
        cpu.then(() -> {
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_PREEMPT_ENTRY_OFFSET, entry);
            cpu.registers = program;
            cpu.privilege = USER;
        }, nudged) // not asked yet
                .then(() -> {}, new VmExit.IoOut(GuestAbi.PORT_PREEMPT, 4, 1, KERNEL))
                .then(() -> cpu.privilege = KERNEL, nudged) // the kernel runs: it switches at its call's end
                .then(() -> cpu.privilege = USER, nudged)
                .then(() -> cpu.privilege = KERNEL, new VmExit.IoOut(GuestAbi.PORT_PREEMPT, 4, 0, KERNEL))
                .then(() -> cpu.privilege = USER, nudged) // no longer asked
                .then(() -> page(0, 7, 0, 0), new VmExit.IoOut(GuestAbi.PORT_EXIT, 4, 0, KERNEL));

        assertThat(run().end()).isEqualTo(new GuestEnd.Exited(0));

        assertThat(cpu.set).containsExactly(new Registers(GuestAbi.PREEMPT_CALL, 12, 0x40_1000, 14, 15, 16, 0x7ff0,
                18, 19, 20, 21, 0x246, 23, 24, 25, 26, entry, 0x246));
        long[] preempted = new long[4];
        for (int i = 0; i < 4; i++) {
            preempted[i] = ram.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_PREEMPTED_OFFSET + 8L * i);
        }
        assertThat(preempted).as("preempted, RAX, RCX, R11").containsExactly(1, 11, 13, 22);
    }

    @Test
    void thePortCountsOnlyAtTheDoor() throws Exception {
        cpu.then(() -> cpu.registers = door(0x40_2000, 0, 5, 0x7000_0000, 100), DOOR_EXIT);

        assertThat(run().end()).isEqualTo(new GuestEnd.Faulted(11,
                "privileged instruction: I/O port 0x6e accessed in user mode", 0x40_2000));
        assertThat(served).isEmpty();
    }
}
