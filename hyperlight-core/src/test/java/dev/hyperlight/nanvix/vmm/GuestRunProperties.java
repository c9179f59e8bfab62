package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.io.Mount;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.syscall.Errno;
import dev.hyperlight.nanvix.syscall.GuestMemory;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.syscall.Sysno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The exit decoder and the hypercall path under arbitrary guest behaviour: before each exit the
 * guest writes an arbitrary hypercall record (call number, six arguments) and strings into its
 * RAM, then exits through any port at any privilege level, or in any other way. The real {@link
 * SyscallTable} serves the calls over a real {@link HostIo}. Whatever the guest did, the run ends
 * with a {@link Termination}, no host exception escapes, and every call's result is a value or a
 * Linux errno.
 */
class GuestRunProperties {

    private static final int RAM = 256 * 1024;
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

    /** What the guest does before one exit, and the exit. */
    record Step(long nr, List<Long> args, List<Tuple.Tuple2<Integer, String>> writes, VmExit exit) {}

    @Property(tries = 300)
    void arbitraryGuestBehaviourEndsInATerminationWithErrnosOnly(@ForAll("steps") List<Step> steps)
            throws Exception {
        List<Long> results = new ArrayList<>();
        try (Arena arena = Arena.ofConfined();
                HostIo io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp))
                        .workingDirectory("/tmp").build());
                RunLog log = RunLog.open("properties", Optional.empty())) {
            MemorySegment ram = arena.allocate(RAM, 4096);
            GuestMemory memory = GuestMemory.of(ram);
            IoChannel served = new IoChannel() {
                private final IoChannel table = new InProcessIoChannel(TABLE, memory, io);

                @Override
                public long call(SyscallRequest request) {
                    long result = table.call(request);
                    results.add(result);
                    return result;
                }

                @Override
                public void close() {}
            };
            GuestRun loop = new GuestRun(new ScriptedGuest(steps, ram), memory, PAGE, served, log, () -> false);

            GuestRun.Outcome outcome = loop.run(() -> new Termination.VmFailed("stopped"));

            assertThat(outcome.termination()).isNotNull();
            assertThat(outcome.unsupportedSyscalls().size()).isLessThanOrEqualTo(512);
        }
        assertThat(results).allSatisfy(result -> assertThat(result >= 0 || ERRNO_RESULTS.contains(result))
                .as("result %d", result).isTrue());
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
        return Combinators.combine(nr, args, write.list().ofMaxSize(4), exit()).as(Step::new)
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
        private final Deque<Step> steps;
        private final MemorySegment ram;

        ScriptedGuest(List<Step> steps, MemorySegment ram) {
            this.steps = new ArrayDeque<>(steps);
            this.ram = ram;
        }

        @Override
        public VmExit run() {
            Step step = steps.poll();
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
            return Registers.entry(0x401000, 0x7ff0, 2, 0, 0);
        }
    }
}
