package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.memory.UserPageFault;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.syscall.RunState;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The exit decoder and the hypercall path under arbitrary guest behaviour: before each exit the
 * guest writes an arbitrary hypercall record (call number, six arguments) and strings into its
 * RAM, then exits through any port at any privilege level, or in any other way. The real {@link
 * SyscallTable} serves the calls over a real {@link HostIo}. Whatever the guest did, no host
 * exception escapes, every call's result is a value or a Linux errno, and the run ends at the
 * first exit that ends it, in the way that exit means ({@link #expectedEnd}, a model of
 * docs/guest-abi.md written apart from {@link GuestRun}): the exit status the guest gave, its
 * signal and RIP, a VM failure naming what went wrong, or the host's stop when the guest never
 * ended. Every one of these ways to end must come up in the generated runs.
 */
class GuestRunProperties {

    private static final int RAM = 256 * 1024;
    /** The host's reason for stopping the vCPU, which a run the guest never ends ends with. */
    private static final GuestEnd STOPPED = new GuestEnd.VmFailed("stopped");
    private static final int SIGSEGV = 11;
    private static final int USER_MODE = 3;
    /** The host reads at most 512 ENOSYS entries and 4096 bytes of a log or panic message. */
    private static final long MAX_ENOSYS_ENTRIES = 512;
    private static final int MAX_MESSAGE = 4096;
    private static final long PAGE = GuestAbi.HYPERCALL_PAGE_GPA;
    private static final List<Integer> PORTS = List.of(GuestAbi.PORT_HYPERCALL, GuestAbi.PORT_LOG,
            GuestAbi.PORT_EXIT, GuestAbi.PORT_FAULT, GuestAbi.PORT_PANIC, 0x80, 0xffff);
    /** Linux's errno values are 1..4095; the host answers with its own enum's, never anything else. */
    private static final List<Long> ERRNO_RESULTS = java.util.Arrays.stream(Errno.values()).map(Errno::result)
            .toList();

    private static Path tmp;
    /** Sleeping for an arbitrary time (nanosleep, poll's timeout) would only make the property slow. */
    private static final SyscallTable TABLE = SyscallTable.defaults()
            .with(Syscall.NANOSLEEP, SyscallAction.block(Errno.EINTR))
            .with(Syscall.of(Sysno.POLL), SyscallAction.block(Errno.EINTR))
            // A read of its own empty pipe (or a write to its full one) would wait for ever: no
            // watchdog runs here to end it, as a run's time limit would.
            .with(Syscall.PIPE2, SyscallAction.block(Errno.EMFILE))
            .with(Syscall.SOCKETPAIR, SyscallAction.block(Errno.EMFILE))
            .with(Syscall.NETWORK, SyscallAction.accept())
            // Audit summaries decode every argument of every call, however wild.
            .withAudit(record -> assertThat(record.toJson()).startsWith("{\"call\":"));

    @BeforeContainer
    static void files() throws IOException {
        tmp = Files.createTempDirectory("guest-run-properties");
        Files.writeString(tmp.resolve("file"), "content");
        Files.createDirectory(tmp.resolve("dir"));
    }

    @AfterContainer
    static void remove() throws IOException {
        try (var paths = Files.walk(tmp)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * What the guest does before one exit, and the exit. For a system-call door exit ({@link
     * #isDoor}) {@code nr} and {@code args} are the program's RAX and RDI, RSI, RDX, R10, R8, R9,
     * and {@code door} the rest of its registers.
     */
    record Step(long nr, List<Long> args, List<Tuple.Tuple2<Integer, String>> writes, VmExit exit, Door door) {

        boolean isDoor() {
            return exit instanceof VmExit.IoOut out && out.privilegeLevel() == USER_MODE
                    && out.port() == GuestAbi.PORT_SYSCALL && out.size() == 1;
        }

        Registers registers() {
            if (!isDoor()) {
                return Registers.entry(ScriptedGuest.RIP, 0x7ff0, 2, 0, 0);
            }
            return new Registers(nr, 0, door.rcx(), args.get(2), args.get(1), args.get(0), 0x7ff0, 0,
                    args.get(4), args.get(5), args.get(3), door.r11(), 0, 0, 0, 0, door.rip(), 2);
        }
    }

    /** The registers of a door exit besides the call: where it stopped, RCX, R11, CR3. */
    record Door(long rip, long rcx, long r11, long cr3) {}

    private static final long DOOR_OUT = GuestAbi.DOOR_VA + GuestAbi.DOOR_OUT_OFFSET;
    /** The program the door asks: umask 022, no pipes, nothing that waits (the model decides door calls with it too). */
    private static final FastCalls.Program PROGRAM = new FastCalls.Program() {
        @Override
        public long umask() {
            return 022;
        }

        @Override
        public boolean writeCanBreakPipe(long fd) {
            return false;
        }

        @Override
        public boolean readWouldWait(long fd) {
            return false;
        }
    };

    /** Enough tries that the rarest way to end (a panic, about 2 % of runs) comes up about ten times. */
    @Property(tries = 500)
    void arbitraryGuestBehaviourEndsAsItsExitsSayWithErrnosOnly(@ForAll("steps") List<Step> steps)
            throws Exception {
        List<Long> results = new ArrayList<>();
        // A call whose user range the page tables refuse is answered USER_FAULT, without a result.
        List<UserPageFault> userFaults = new ArrayList<>();
        // Of those, the calls of the system-call door (which then go on into the kernel).
        List<UserPageFault> doorFaults = new ArrayList<>();
        ScriptedGuest[] current = new ScriptedGuest[1];
        ScriptedGuest guest;
        GuestRun.Outcome outcome;
        try (Arena arena = Arena.ofConfined();
                HostIo io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp))
                        .workingDirectory("/tmp").build());
                RunLog log = RunLog.open("properties", Optional.empty())) {
            MemorySegment ram = arena.allocate(RAM, 4096);
            GuestMemory memory = GuestMemory.of(ram);
            IoChannel served = new IoChannel() {
                private final IoChannel table = new InProcessIoChannel(TABLE, memory, io, new RunState());

                @Override
                public long call(SyscallRequest request, long cr3) {
                    try {
                        long result = table.call(request, cr3);
                        results.add(result);
                        return result;
                    } catch (UserPageFault fault) {
                        userFaults.add(fault);
                        if (current[0].inDoor()) {
                            doorFaults.add(fault);
                        }
                        throw fault;
                    }
                }

                @Override
                public FastCalls.Program program(long cr3) {
                    return PROGRAM;
                }

                @Override
                public void close() {}
            };
            guest = new ScriptedGuest(steps, ram);
            current[0] = guest;
            GuestRun loop = new GuestRun(guest, memory, PAGE, served, log, () -> false, OptionalInt.empty());

            outcome = loop.run(() -> STOPPED, false);
        }
        assertThat(results).allSatisfy(result -> assertThat(result >= 0 || ERRNO_RESULTS.contains(result))
                .as("result %d", result).isTrue());
        // Every call the door served resumes the program after its SYSCALL with the result, its
        // registers otherwise as they were and only the user's flags of R11.
        assertThat(guest.resumed()).allSatisfy(resumed -> {
            Registers before = resumed.get1().registers();
            Registers after = resumed.get2();
            assertThat(after.rip()).isEqualTo(before.rcx());
            assertThat(after.rip()).isBetween(GuestAbi.USER_BOTTOM, GuestAbi.USER_TOP - 1);
            assertThat(after.rflags()).isEqualTo((before.r11() & 0x0024_0dd5L) | 0x202);
            assertThat(after.rax() >= 0 || ERRNO_RESULTS.contains(after.rax())).as("result %d", after.rax()).isTrue();
            assertThat(new Registers(before.rax(), after.rbx(), after.rcx(), after.rdx(), after.rsi(), after.rdi(),
                    after.rsp(), after.rbp(), after.r8(), after.r9(), after.r10(), after.r11(), after.r12(),
                    after.r13(), after.r14(), after.r15(), before.rip(), before.rflags())).isEqualTo(before);
        });

        End expected = expectedEnd(steps);
        int[] door = doorCalls(steps, expected.exits());
        assertThat(guest.resumed().size() + doorFaults.size()).as("door calls answered or forwarded")
                .isEqualTo(door[0] + door[1]);
        assertThat(doorFaults.size()).as("door calls the page tables refused").isLessThanOrEqualTo(door[1]);
        Statistics.label("end").collect(expected.how());
        Statistics.label("end").coverage(checker -> {
            for (How how : How.values()) {
                checker.check(how).count(runs -> runs > 0);
            }
        });
        assertThat(guest.exitsTaken()).as("exits the run went through (the last one ends it)")
                .isEqualTo(expected.exits());
        assertThat(results.size() + userFaults.size()).as("hypercalls served").isEqualTo(expected.hypercalls());
        expected.termination().accept(outcome.end());
        assertThat(outcome.memoryLimitReached()).as("memory limit flag").isEqualTo(expected.memoryLimitReached());
        assertThat((long) outcome.unsupportedSyscalls().size()).as("ENOSYS table entries")
                .isLessThanOrEqualTo(expected.maxUnsupportedSyscalls());
    }

    /** The ways a run ends, for the statistics: every one must come up in the generated runs. */
    enum How { EXIT, FAULT, USER_PORT_ACCESS, PANIC, BAD_ADDRESS, OTHER_VM_FAILURE, STOPPED }

    /** What became of the door exits, for the statistics. */
    enum DoorOutcome { ELSEWHERE, RETURN_OUTSIDE_USER, NOT_RUN, ANSWERED, FORWARDED }

    /**
     * How a run must end: after how many exits, having served how many hypercalls, with what
     * termination (checked by {@code termination}), memory flag and at most how many ENOSYS entries.
     */
    record End(How how, int exits, int hypercalls, Consumer<GuestEnd> termination, boolean memoryLimitReached,
            long maxUnsupportedSyscalls) {}

    /**
     * What the door exits before the run's end came to: calls answered without forwarding, calls
     * forwarded (each resumes the program unless the page tables refused a range).
     */
    private static int[] doorCalls(List<Step> steps, int exits) {
        int answered = 0;
        int forwarded = 0;
        for (Step step : steps.subList(0, Math.min(exits, steps.size()))) {
            if (!step.isDoor()) {
                continue;
            }
            DoorOutcome outcome = doorOutcome(step);
            Statistics.label("door").collect(outcome);
            if (outcome == DoorOutcome.ANSWERED) {
                answered++;
            } else if (outcome == DoorOutcome.FORWARDED) {
                forwarded++;
            }
        }
        return new int[] {answered, forwarded};
    }

    private static DoorOutcome doorOutcome(Step step) {
        Door door = step.door();
        if (door.rip() != DOOR_OUT && door.rip() != DOOR_OUT + 2) {
            return DoorOutcome.ELSEWHERE;
        }
        if (door.rcx() < GuestAbi.USER_BOTTOM || door.rcx() >= GuestAbi.USER_TOP) {
            return DoorOutcome.RETURN_OUTSIDE_USER;
        }
        List<Long> a = step.args();
        return switch (FastCalls.decide(step.nr(), a.get(0), a.get(1), a.get(2), a.get(3), a.get(4), a.get(5), PROGRAM)) {
            case FastCalls.Decision.NotRun ignored -> DoorOutcome.NOT_RUN;
            case FastCalls.Decision.Answer ignored -> DoorOutcome.ANSWERED;
            case FastCalls.Decision.Forward ignored -> DoorOutcome.FORWARDED;
        };
    }

    /** The model: the first step whose exit ends the run decides; hypercalls and logs go on. */
    private static End expectedEnd(List<Step> steps) {
        int hypercalls = 0;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            int exits = i + 1;
            boolean memoryFlag = (step.nr() & GuestAbi.RUN_FLAG_MEMORY_LIMIT_REACHED) != 0;
            switch (step.exit()) {
                case VmExit.IoOut out when step.isDoor() -> {
                    switch (doorOutcome(step)) {
                        case ELSEWHERE -> {
                            return ended(How.USER_PORT_ACCESS, exits, hypercalls,
                                    userPortAccess(out.port(), step.door().rip()));
                        }
                        case FORWARDED -> hypercalls++;
                        default -> {}
                    }
                }
                case VmExit.IoOut out when out.privilegeLevel() == USER_MODE -> {
                    return ended(How.USER_PORT_ACCESS, exits, hypercalls, userPortAccess(out.port()));
                }
                case VmExit.IoIn in when in.privilegeLevel() == USER_MODE -> {
                    return ended(How.USER_PORT_ACCESS, exits, hypercalls, userPortAccess(in.port()));
                }
                case VmExit.IoOut out -> {
                    switch (out.port()) {
                        case GuestAbi.PORT_HYPERCALL -> hypercalls++;
                        case GuestAbi.PORT_PREEMPT -> {} // only switches the time-slice nudges
                        case GuestAbi.PORT_LOG -> {
                            if (!messageInRam(step)) {
                                return ended(How.BAD_ADDRESS, exits, hypercalls, BAD_ADDRESS);
                            }
                        }
                        case GuestAbi.PORT_PANIC -> {
                            return messageInRam(step)
                                    ? ended(How.PANIC, exits, hypercalls, vmFailedStartingWith("guest kernel panic: "))
                                    : ended(How.BAD_ADDRESS, exits, hypercalls, BAD_ADDRESS);
                        }
                        case GuestAbi.PORT_EXIT -> {
                            long entries = step.args().get(1);
                            if (entries > 0 && !inRam(step.args().get(0),
                                    Math.min(entries, MAX_ENOSYS_ENTRIES) * 8)) {
                                return ended(How.BAD_ADDRESS, exits, hypercalls, BAD_ADDRESS);
                            }
                            return new End(How.EXIT, exits, hypercalls, exactly(new GuestEnd.Exited((int) (out.value() & 0xff))),
                                    memoryFlag, Math.max(0, Math.min(entries, MAX_ENOSYS_ENTRIES)));
                        }
                        case GuestAbi.PORT_FAULT -> {
                            int signal = (int) (out.value() & 0x7f);
                            long rip = step.args().get(2);
                            return new End(How.FAULT, exits, hypercalls, termination -> assertThat(termination)
                                    .isInstanceOfSatisfying(GuestEnd.Faulted.class, faulted -> {
                                        assertThat(faulted.signal()).as("signal").isEqualTo(signal);
                                        assertThat(faulted.instructionPointer()).as("rip").isEqualTo(rip);
                                    }), memoryFlag, 0);
                        }
                        default -> {
                            return ended(How.OTHER_VM_FAILURE, exits, hypercalls,
                                    vmFailed("guest kernel wrote to unknown port 0x" + Integer.toHexString(out.port())));
                        }
                    }
                }
                case VmExit.IoIn in -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls,
                            vmFailed("guest kernel read from port 0x" + Integer.toHexString(in.port())));
                }
                case VmExit.Mmio mmio -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls, vmFailed("guest accessed guest-physical address 0x"
                            + Long.toHexString(mmio.address()) + ", which is not RAM"));
                }
                case VmExit.Halt ignored -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls, vmFailed("guest kernel halted"));
                }
                case VmExit.Shutdown ignored -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls, vmFailed("triple fault"));
                }
                case VmExit.FailEntry entry -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls, vmFailed("the hypervisor refused to enter the guest (reason 0x"
                            + Long.toHexString(entry.reason()) + ")"));
                }
                case VmExit.InternalError error -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls, vmFailed("hypervisor internal error " + error.suberror()));
                }
                case VmExit.Unknown unknown -> {
                    return ended(How.OTHER_VM_FAILURE, exits, hypercalls, vmFailed("unexpected VM exit " + unknown.reason()));
                }
                case VmExit.Interrupted ignored -> {
                    return ended(How.STOPPED, exits, hypercalls, exactly(STOPPED));
                }
                case VmExit.Nudged ignored -> {} // not generated: a nudge is a real vCPU's (BlockingCallsTest)
            }
        }
        // No step ended the run: the scripted guest is then interrupted, and the host's reason stands.
        return ended(How.STOPPED, steps.size() + 1, hypercalls, exactly(STOPPED));
    }

    private static final Consumer<GuestEnd> BAD_ADDRESS = vmFailedStartingWith("guest kernel passed a bad address: ");

    private static End ended(How how, int exits, int hypercalls, Consumer<GuestEnd> termination) {
        return new End(how, exits, hypercalls, termination, false, 0);
    }

    /** A privileged instruction of the program: SIGSEGV at the RIP the vCPU reports. */
    private static Consumer<GuestEnd> userPortAccess(int port) {
        return userPortAccess(port, ScriptedGuest.RIP);
    }

    private static Consumer<GuestEnd> userPortAccess(int port, long rip) {
        return exactly(new GuestEnd.Faulted(SIGSEGV, "privileged instruction: I/O port 0x"
                + Integer.toHexString(port) + " accessed in user mode", rip));
    }

    private static Consumer<GuestEnd> vmFailed(String reason) {
        return exactly(new GuestEnd.VmFailed(reason));
    }

    private static Consumer<GuestEnd> exactly(GuestEnd expected) {
        return termination -> assertThat(termination).isEqualTo(expected);
    }

    private static Consumer<GuestEnd> vmFailedStartingWith(String prefix) {
        return termination -> assertThat(termination).isInstanceOfSatisfying(GuestEnd.VmFailed.class,
                failed -> assertThat(failed.reason()).startsWith(prefix));
    }

    /** A LOG or PANIC message: (address, length) in args 0 and 1, the length cut to [0, 4096]. */
    private static boolean messageInRam(Step step) {
        return inRam(step.args().get(0), Math.min(Math.max(step.args().get(1), 0), MAX_MESSAGE));
    }

    /** Whether {@code [start, start + length)}, {@code length >= 0}, lies in guest RAM. */
    private static boolean inRam(long start, long length) {
        return start >= 0 && start <= RAM && length <= RAM - start;
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Long> nr = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(Syscall.FORWARDED).map(call -> (long) call.sysno().number())),
                Tuple.of(1, Arbitraries.longs().between(0, 512)),
                Tuple.of(1, word()));
        Arbitrary<List<Long>> args = Arbitraries.frequencyOf(Tuple.of(2, word()), Tuple.of(1, pointer()))
                .list().ofSize(6);
        Arbitrary<Tuple.Tuple2<Integer, String>> write = Combinators.combine(
                Arbitraries.integers().between(0x8000, RAM - 64),
                Arbitraries.of("/tmp/file\0", "dir/../..\0", "/tmp/dir\0", "x", "\0", "/tmp/new\0", "../../etc\0"))
                .as(Tuple::of);
        Arbitrary<Long> fast = Arbitraries.of(FastCalls.calls()).map(call -> (long) call.number());
        Arbitrary<Door> door = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of(DOOR_OUT + 2, DOOR_OUT)), Tuple.of(1, word()),
                        Tuple.of(1, Arbitraries.of(DOOR_OUT + 1, DOOR_OUT - 1, GuestAbi.DOOR_VA))),
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.longs().between(GuestAbi.USER_BOTTOM, GuestAbi.USER_TOP - 1)),
                        Tuple.of(1, word()), Tuple.of(1, Arbitraries.of(GuestAbi.USER_TOP, GuestAbi.USER_BOTTOM - 1))),
                Arbitraries.longs(),
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0L)), Tuple.of(1, pointer()), Tuple.of(1, word())))
                .as(Door::new);
        Arbitrary<Step> kernelStep = Combinators.combine(nr, args, write.list().ofMaxSize(4), exit(), door)
                .as(Step::new);
        // The program's SYSCALL through the door: a fast call most often, any number sometimes.
        Arbitrary<Step> doorStep = Combinators.combine(Arbitraries.frequencyOf(Tuple.of(3, fast), Tuple.of(1, nr)),
                args, write.list().ofMaxSize(4), door).as((number, a, writes, d) ->
                        new Step(number, a, writes, new VmExit.IoOut(GuestAbi.PORT_SYSCALL, 1, number & 0xff, USER_MODE), d));
        return Arbitraries.frequencyOf(Tuple.of(4, kernelStep), Tuple.of(1, doorStep))
                .list().ofMinSize(1).ofMaxSize(30);
    }

    private static Arbitrary<VmExit> exit() {
        Arbitrary<Integer> privilege = Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(1, 3)));
        Arbitrary<Integer> port = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(GuestAbi.PORT_HYPERCALL)),
                Tuple.of(3, Arbitraries.of(PORTS)), Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
        return Arbitraries.frequencyOf(
                Tuple.of(90, Combinators.combine(port, Arbitraries.longs(), privilege)
                        .as((p, value, cpl) -> new VmExit.IoOut(p, 4, value, cpl))),
                Tuple.of(2, Combinators.combine(port, privilege).as((p, cpl) -> new VmExit.IoIn(p, 4, cpl))),
                Tuple.of(2, Combinators.combine(Arbitraries.longs(), Arbitraries.longs())
                        .as((address, data) -> new VmExit.Mmio(address, 8, true, data))),
                Tuple.of(1, Arbitraries.of(new VmExit.Halt(), new VmExit.Shutdown(), new VmExit.Interrupted())),
                Tuple.of(1, Arbitraries.longs().map(VmExit.FailEntry::new)),
                Tuple.of(1, Arbitraries.integers().map(VmExit.InternalError::new)),
                Tuple.of(1, Arbitraries.integers().map(VmExit.Unknown::new)));
    }

    /** Numbers that trip range checks: 0, -1, AT_FDCWD, small fds, extremes, 2^40, kernel addresses. */
    private static Arbitrary<Long> word() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(0L, -1L, -100L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40,
                        0xffff_8000_0000_0000L, (long) RAM, (long) Integer.MAX_VALUE, 0xffff_ffffL)),
                Tuple.of(2, Arbitraries.longs().between(0, 8)),
                Tuple.of(1, Arbitraries.longs().between(0, RAM * 2L)),
                Tuple.of(1, Arbitraries.longs()));
    }

    /** Guest-physical addresses in and around RAM: where strings were written, the page, the last bytes. */
    private static Arbitrary<Long> pointer() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(0x8000, RAM - 1)),
                Tuple.of(1, Arbitraries.longs().between(RAM - 16, RAM + 16)),
                Tuple.of(1, Arbitraries.just(PAGE)));
    }

    /** A vCPU whose guest performs the steps in order, then is interrupted. */
    private static final class ScriptedGuest extends StubVirtualCpu {
        static final long RIP = 0x401000;

        private final Deque<Step> steps;
        private final MemorySegment ram;
        private int exitsTaken;
        private Step current;
        private final List<Tuple.Tuple2<Step, Registers>> resumed = new ArrayList<>();

        ScriptedGuest(List<Step> steps, MemorySegment ram) {
            this.steps = new ArrayDeque<>(steps);
            this.ram = ram;
        }

        int exitsTaken() {
            return exitsTaken;
        }

        /** The door steps the host resumed, with the registers it resumed them with. */
        List<Tuple.Tuple2<Step, Registers>> resumed() {
            return resumed;
        }

        boolean inDoor() {
            return current != null && current.isDoor();
        }

        @Override
        public VmExit run() {
            exitsTaken++;
            Step step = steps.poll();
            current = step;
            if (step == null) {
                return new VmExit.Interrupted();
            }
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_NR_OFFSET, step.nr());
            for (int i = 0; i < 6; i++) {
                ram.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE + GuestAbi.HYPERCALL_ARGS_OFFSET + 8L * i,
                        step.args().get(i));
            }
            for (Tuple.Tuple2<Integer, String> write : step.writes()) {
                byte[] text = write.get2().getBytes(StandardCharsets.UTF_8);
                MemorySegment.copy(text, 0, ram, ValueLayout.JAVA_BYTE, write.get1(), text.length);
            }
            return step.exit();
        }

        @Override
        public Registers registers() {
            return current == null ? Registers.entry(RIP, 0x7ff0, 2, 0, 0) : current.registers();
        }

        @Override
        public long exitCr3() {
            return current.door().cr3();
        }

        @Override
        public void resumeWith(Registers registers) {
            assertThat(inDoor()).as("only a door exit is resumed with new registers").isTrue();
            resumed.add(Tuple.of(current, registers));
        }
    }
}
