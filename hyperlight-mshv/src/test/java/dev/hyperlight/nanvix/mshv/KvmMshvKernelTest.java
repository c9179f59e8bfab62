package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.HVMSG_X64_IO_PORT_INTERCEPT;
import static dev.hyperlight.nanvix.mshv.sys.mshv_h.MSHV_RUN_VP;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.mshv.sys.hv_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_intercept_message_header;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The test harness's I/O intercepts on the {@code /dev/kvm} at hand, hardware KVM or PVM: a
 * kernel-mode guest runs {@code in}/{@code out} in every form the harness decodes, from code
 * mapped at a high address whose pages lie in guest RAM out of order, two of the instructions
 * split across pages. Each intercept must be mshv's: RIP on the instruction, its length in the
 * header; then the backend's completion moves RIP to the next instruction and loads an {@code
 * in}'s all-ones. (Under PVM KVM's emulator has finished an {@code out} before the exit, RIP
 * past it; on hardware KVM, and for PVM's {@code in}, RIP is still on it: the harness handles
 * both, this test runs whichever this machine has.)
 */
class KvmMshvKernelTest {

    private static final Path KVM = Path.of("/dev/kvm");
    private static final long RAM = 2L << 20;
    private static final long PML4 = 0x2000;
    private static final long LOW_PDPT = 0x3000;
    private static final long LOW_PD = 0x4000;
    private static final long HIGH_PDPT = 0x5000;
    private static final long HIGH_PD = 0x6000;
    private static final long HIGH_PT = 0x7000;
    private static final long GDT = 0x8000;
    private static final long TSS = 0x9000;
    /** Where the code runs: PML4 slot 256, as a higher-half kernel's. */
    private static final long CODE_VA = 0xffff_8000_0000_0000L;
    /** The guest-physical page behind each of the three code pages: not in order. */
    private static final long[] CODE_PAGES = {0x12000, 0x10000, 0x11000};
    private static final int PAGE = 4096;

    private static final int PORT = 0x3f8;
    private static final long RAX = 0x1122_3344L;

    /**
     * One instruction of the guest, the exit it makes (null: none), RAX after it, and whether it
     * has prefixes that change nothing (see {@link #redundant}).
     */
    private record Step(byte[] bytes, VmExit exit, long raxAfter, boolean redundantPrefix) {}

    private static Step step(VmExit exit, long raxAfter, int... bytes) {
        byte[] code = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            code[i] = (byte) bytes[i];
        }
        return new Step(code, exit, raxAfter, false);
    }

    /**
     * An instruction with prefixes that change nothing (REX.W, REP on in/out; an 0x66 that REX.W
     * overrides). Where KVM has already moved RIP past it (PVM's out), its bytes without them are
     * an instruction making the same exit, and the harness reports the shortest reading
     * ({@link IoInstruction#endingAt}): its start may be after the prefixes, its end is the same.
     */
    private static Step redundant(VmExit exit, long raxAfter, int... bytes) {
        Step step = step(exit, raxAfter, bytes);
        return new Step(step.bytes(), exit, raxAfter, true);
    }

    private static VmExit out(int port, int size, long value) {
        return new VmExit.IoOut(port, size, value, 0);
    }

    private static VmExit in(int port, int size) {
        return new VmExit.IoIn(port, size, 0);
    }

    /** A recording MshvKernel: the last message MSHV_RUN_VP returned. */
    private static final class Recording implements MshvKernel {
        final KvmMshvKernel kernel = new KvmMshvKernel();
        byte[] lastMessage;

        @Override
        public int open(Path device) {
            return kernel.open(device);
        }

        @Override
        @SuppressWarnings("restricted") // MSHV_RUN_VP's argument is the backend's hv_message buffer
        public int ioctl(int fd, long request, MemorySegment argument) {
            int result = kernel.ioctl(fd, request, argument);
            if (request == MSHV_RUN_VP && result >= 0) {
                lastMessage = argument.reinterpret(hv_message.layout().byteSize()).toArray(JAVA_BYTE);
            }
            return result;
        }

        @Override
        public int close(int fd) {
            return kernel.close(fd);
        }
    }

    @Test
    void ioInterceptsLeaveRipOnTheInstructionWithItsLengthOnThisKvm() throws Exception {
        List<Step> program = List.of(
                step(null, 0, 0xba, PORT & 0xff, PORT >> 8, 0, 0), // mov edx, PORT
                step(null, RAX, 0xb8, 0x44, 0x33, 0x22, 0x11), // mov eax, RAX
                step(out(PORT, 1, 0x44), RAX, 0xee), // out dx, al
                step(out(PORT, 4, RAX), RAX, 0xef), // out dx, eax
                step(out(PORT, 2, 0x3344), RAX, 0x66, 0xef), // out dx, ax
                step(out(0x80, 1, 0x44), RAX, 0xe6, 0x80), // out 0x80, al
                step(out(0x81, 4, RAX), RAX, 0xe7, 0x81), // out 0x81, eax
                redundant(out(PORT, 4, RAX), RAX, 0x48, 0xef), // rex.w (no wider) out dx, eax
                redundant(out(PORT, 2, 0x3344), RAX, 0xf3, 0x66, 0xef), // rep (ignored) out dx, ax
                redundant(out(PORT, 4, RAX), RAX, 0x66, 0x48, 0xef), // 66 rex.w out dx, eax: REX.W wins
                step(in(PORT, 1), 0x1122_33ffL, 0xec), // in al, dx
                step(in(0x61, 2), 0x1122_ffffL, 0x66, 0xe5, 0x61), // in ax, 0x61
                step(in(PORT, 4), 0xffff_ffffL, 0xed), // in eax, dx
                step(null, RAX, 0xb8, 0x44, 0x33, 0x22, 0x11), // mov eax, RAX
                step(in(0x60, 1), 0x1122_33ffL, 0xe4, 0x60)); // in al, 0x60
        // Two instructions split across the code pages: an out after its 0x66 (first boundary),
        // an in after its opcode (second boundary).
        Step splitOut = step(out(PORT, 2, 0x33ff), 0x1122_33ffL, 0x66, 0xef);
        Step splitIn = step(in(0x70, 2), 0x1122_ffffL, 0x66, 0xe5, 0x70);
        Step halt = step(new VmExit.Halt(), 0x1122_ffffL, 0xf4);

        ByteArrayOutputStream code = new ByteArrayOutputStream();
        List<Step> steps = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        long start = PAGE - program.stream().mapToInt(s -> s.bytes().length).sum() - 1 - 16;
        pad(code, start);
        for (Step s : program) {
            add(code, s, steps, starts);
        }
        pad(code, PAGE - 1);
        add(code, splitOut, steps, starts);
        pad(code, 2L * PAGE - 2);
        add(code, splitIn, steps, starts);
        add(code, halt, steps, starts);

        Recording kernel = new Recording();
        try (MshvHypervisor hypervisor = MshvHypervisor.open(KVM, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(RAM);
                VirtualCpu vp = vm.createVcpu()) {
            load(vm.memory(), vp, code.toByteArray(), CODE_VA + start);
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                if (s.exit() == null) {
                    continue; // runs within the next run
                }
                long at = CODE_VA + starts.get(i);
                VmExit exit = vp.run();
                assertThat(exit).as("exit of the instruction at 0x%x", at).isEqualTo(s.exit());
                if (s.exit() instanceof VmExit.Halt) {
                    break;
                }
                MemorySegment message = MemorySegment.ofArray(kernel.lastMessage);
                assertThat(hv_message.message_type(message)).isEqualTo(HVMSG_X64_IO_PORT_INTERCEPT);
                MemorySegment header = hv_message.payload(message);
                long rip = hv_x64_intercept_message_header.rip(header);
                int length = hv_x64_intercept_message_header.instruction_length_cr8(header) & 0xf;
                assertThat(rip + length).as("intercept RIP + length at 0x%x", at).isEqualTo(at + s.bytes().length);
                if (s.redundantPrefix()) {
                    assertThat(rip).as("intercept RIP").isBetween(at, at + s.bytes().length - 1);
                } else {
                    assertThat(rip).as("intercept RIP").isEqualTo(at);
                }
                Registers after = vp.registers();
                assertThat(after.rip()).as("RIP after the completion").isEqualTo(at + s.bytes().length);
                assertThat(after.rax()).as("RAX after the instruction at 0x%x", at).isEqualTo(s.raxAfter());
            }
        }
    }

    private static void pad(ByteArrayOutputStream code, long to) {
        while (code.size() < to) {
            code.write(0x90); // nop
        }
    }

    private static void add(ByteArrayOutputStream code, Step step, List<Step> steps, List<Long> starts) {
        starts.add((long) code.size());
        steps.add(step);
        code.writeBytes(step.bytes());
    }

    /**
     * Identity-maps the first 2 MiB (tables, GDT), maps three 4 KiB code pages at {@link
     * #CODE_VA} to {@link #CODE_PAGES}, and enters 64-bit mode in ring 0 at {@code entry}.
     */
    private static void load(MemorySegment ram, VirtualCpu vp, byte[] code, long entry) throws Exception {
        long present = 0x3;
        ram.set(JAVA_LONG, PML4, LOW_PDPT | present);
        ram.set(JAVA_LONG, LOW_PDPT, LOW_PD | present);
        ram.set(JAVA_LONG, LOW_PD, present | 0x80); // a 2 MiB page at 0
        ram.set(JAVA_LONG, PML4 + 8 * 256, HIGH_PDPT | present);
        ram.set(JAVA_LONG, HIGH_PDPT, HIGH_PD | present);
        ram.set(JAVA_LONG, HIGH_PD, HIGH_PT | present);
        for (int page = 0; page < CODE_PAGES.length; page++) {
            ram.set(JAVA_LONG, HIGH_PT + 8L * page, CODE_PAGES[page] | present);
            int from = page * PAGE;
            int length = Math.min(PAGE, code.length - from);
            if (length > 0) {
                MemorySegment.copy(code, from, ram, JAVA_BYTE, CODE_PAGES[page], length);
            }
        }
        ram.set(JAVA_LONG, GDT + 0x08, 0x00af_9b00_0000_ffffL);
        ram.set(JAVA_LONG, GDT + 0x10, 0x00cf_9300_0000_ffffL);
        ram.set(JAVA_LONG, GDT + 0x18, 0x67 | (TSS & 0xff_ffffL) << 16 | 0x8bL << 40);

        SpecialRegisters initial = vp.specialRegisters();
        Segment cs = new Segment(0, 0xffff_ffff, 0x08, 11, true, 0, false, true, true, true, false, false);
        Segment ds = new Segment(0, 0xffff_ffff, 0x10, 3, true, 0, true, true, false, true, false, false);
        Segment tr = new Segment(TSS, 0x67, 0x18, 11, true, 0, false, false, false, false, false, false);
        vp.setSpecialRegisters(new SpecialRegisters(cs, ds, ds, ds, ds, ds, tr, initial.ldt(),
                new DescriptorTable(GDT, 5 * 8 - 1), new DescriptorTable(0, 0),
                0x8005_0033L, 0, PML4, 0x20, 0, 0x500, initial.apicBase()));
        vp.setRegisters(Registers.entry(entry, 0x1_f000, 0x2, 0, 0));
    }
}
