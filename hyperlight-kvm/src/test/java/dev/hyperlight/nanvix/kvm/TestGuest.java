package dev.hyperlight.nanvix.kvm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A minimal 64-bit test guest, entered directly in long mode at {@link #KERNEL_CODE} in ring 0.
 * Page tables identity-map the first 4 MiB with two 2 MiB user-accessible pages: the first is RAM,
 * the second ({@link #UNBACKED}) lies beyond RAM, so accesses to it are MMIO. The GDT holds kernel
 * and user segments and a TSS; there is no IDT, so any exception ends in a triple fault.
 *
 * <p>Whether ring 3 may use {@code in}/{@code out} is decided, as on hardware, by the IOPL that
 * {@link #enterUserMode} gives it and the TSS's I/O permission bitmap: KVM, PVM included, applies
 * that check before it exits to the host. A guest that allows the ports grants them both ways,
 * because each platform the tests run on honours only one of them: PVM runs ring 3 natively at
 * the host's IOPL 0 (its specification fixes the underlying RFLAGS.IOPL at 0; measured: the ring-3
 * {@code out} faults and the saved RFLAGS show IOPL 0), so the #GP goes to KVM's emulator, which
 * consults the guest's bitmap; QEMU's emulated CPU, where scripts/nested-kvm runs these tests,
 * reads a bitmap only from a TSS of type "available", never the busy TSS that VM entry requires,
 * so only IOPL 3 lets ring 3 through there. Hardware honours either.
 */
final class TestGuest {

    static final long RAM_SIZE = 2L << 20;
    static final long KERNEL_CODE = 0x1000;
    static final long USER_CODE = 0x1800;
    static final long UNBACKED = 0x20_0000;
    /** The dword a {@link #countForever} guest increments, in RAM above the tables and stacks. */
    static final long SPIN_COUNTER = 0xa000;
    static final int KERNEL_STACK_TOP = 0x9000;
    static final int USER_STACK_TOP = 0x8000;

    static final int KERNEL_CS = 0x08;
    static final int KERNEL_DS = 0x10;
    static final int USER_DS = 0x18 | 3;
    static final int USER_CS = 0x20 | 3;
    static final int TSS_SELECTOR = 0x28;

    private static final long PML4 = 0x2000;
    private static final long PDPT = 0x3000;
    private static final long PD = 0x4000;
    private static final long GDT = 0x5000;
    private static final long TSS = 0x6000;
    /** Offset of the I/O permission bitmap field in the 64-bit TSS, and the TSS's own size. */
    private static final int TSS_IOMAP_BASE = 0x66;
    private static final int TSS_SIZE = 0x68;
    /** A bitmap for ports 0..0x7ff: enough for the ports the tests use. */
    private static final int IO_BITMAP_BYTES = 0x800 / 8;
    /** RFLAGS.IOPL = 3: ring 3 may use every port. */
    private static final long RFLAGS_IOPL_3 = 0x3000;

    private static final long PRESENT_WRITABLE_USER = 0x7;
    private static final long LARGE_PAGE = 0x80;

    private static final long CR0_PE_MP_ET_NE_WP_PG = 0x8005_0033L;
    private static final long CR4_PAE = 0x20;
    private static final long EFER_LME_LMA = 0x500;
    static final long RFLAGS_RESERVED = 0x2;

    private static final VarHandle SPIN_COUNT = JAVA_INT.varHandle();

    private TestGuest() {}

    /**
     * A guest that never exits but shows it runs: {@code prefix}, then a loop that increments
     * {@link #SPIN_COUNTER} for ever. The test sees the count grow, and the RIP at which an
     * interrupt leaves the guest lies in {@code [loopStart, loopEnd)}.
     */
    record CountingGuest(byte[] code, long loopStart, long loopEnd) {

        boolean inLoop(long rip) {
            return loopStart <= rip && rip < loopEnd;
        }
    }

    static CountingGuest countForever(GuestCode prefix) {
        prefix.movRax((int) SPIN_COUNTER);
        int loop = prefix.position();
        prefix.incDwordAtRax().jmpBackTo(loop);
        return new CountingGuest(prefix.bytes(), KERNEL_CODE + loop, KERNEL_CODE + prefix.position());
    }

    /** How often the counting loop has run so far (read as the guest writes it, from another thread). */
    static int spinCount(MemorySegment ram) {
        return (int) SPIN_COUNT.getVolatile(ram, SPIN_COUNTER);
    }

    /**
     * Waits until the guest's count exceeds {@code seen}, i.e. until the guest is running in its
     * loop (again); the count then.
     */
    static int awaitSpinning(MemorySegment ram, int seen) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int count;
        while ((count = spinCount(ram)) == seen) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the guest did not reach its counting loop within 30 s");
            }
            Thread.sleep(1);
        }
        return count;
    }

    /** Whether ring 3 may access I/O ports. */
    enum UserPorts {
        /** IOPL 3 and a bitmap of zeros for ports 0..0x7ff: user {@code out} reaches the host. */
        ALLOWED,
        /** IOPL 0 and no bitmap in the TSS (its base at the TSS limit): user {@code out} raises #GP. */
        DENIED
    }

    /** Writes tables and {@code kernelCode} (and optional {@code userCode}), and enters long mode. */
    static void load(MemorySegment ram, VirtualCpu vcpu, byte[] kernelCode, byte[] userCode, UserPorts userPorts)
            throws HypervisorException {
        // The bitmap ends with an all-ones byte, which the CPU may read past the last port.
        int tssLimit = userPorts == UserPorts.ALLOWED ? TSS_SIZE + IO_BITMAP_BYTES : TSS_SIZE - 1;
        ram.set(JAVA_SHORT, TSS + TSS_IOMAP_BASE, (short) TSS_SIZE);
        ram.set(JAVA_BYTE, TSS + TSS_SIZE + IO_BITMAP_BYTES, (byte) 0xff);

        ram.set(JAVA_LONG, PML4, PDPT | PRESENT_WRITABLE_USER);
        ram.set(JAVA_LONG, PDPT, PD | PRESENT_WRITABLE_USER);
        ram.set(JAVA_LONG, PD, 0 | PRESENT_WRITABLE_USER | LARGE_PAGE);
        ram.set(JAVA_LONG, PD + 8, UNBACKED | PRESENT_WRITABLE_USER | LARGE_PAGE);

        ram.set(JAVA_LONG, GDT + KERNEL_CS, 0x00af_9b00_0000_ffffL);
        ram.set(JAVA_LONG, GDT + KERNEL_DS, 0x00cf_9300_0000_ffffL);
        ram.set(JAVA_LONG, GDT + (USER_DS & ~3), 0x00cf_f300_0000_ffffL);
        ram.set(JAVA_LONG, GDT + (USER_CS & ~3), 0x00af_fb00_0000_ffffL);
        ram.set(JAVA_LONG, GDT + TSS_SELECTOR, tssLimit | (TSS & 0xff_ffffL) << 16 | 0x8bL << 40 | (TSS >>> 24 & 0xff) << 56);
        ram.set(JAVA_LONG, GDT + TSS_SELECTOR + 8, TSS >>> 32);
        ram.set(JAVA_LONG.withByteAlignment(4), TSS + 4, KERNEL_STACK_TOP); // RSP0, for a fault in ring 3

        MemorySegment.copy(kernelCode, 0, ram, JAVA_BYTE, KERNEL_CODE, kernelCode.length);
        MemorySegment.copy(userCode, 0, ram, JAVA_BYTE, USER_CODE, userCode.length);

        SpecialRegisters initial = vcpu.specialRegisters();
        Segment code = flat(KERNEL_CS, 11, 0, true);
        Segment data = flat(KERNEL_DS, 3, 0, false);
        Segment tss = new Segment(TSS, tssLimit, TSS_SELECTOR, 11, true, 0, false, false, false, false, false, false);
        vcpu.setSpecialRegisters(new SpecialRegisters(code, data, data, data, data, data, tss, initial.ldt(),
                new DescriptorTable(GDT, 7 * 8 - 1), new DescriptorTable(0, 0),
                CR0_PE_MP_ET_NE_WP_PG, 0, PML4, CR4_PAE, 0, EFER_LME_LMA, initial.apicBase()));
        vcpu.setRegisters(Registers.entry(KERNEL_CODE, KERNEL_STACK_TOP, RFLAGS_RESERVED, 0, 0));
    }

    static void load(MemorySegment ram, VirtualCpu vcpu, byte[] kernelCode) throws HypervisorException {
        load(ram, vcpu, kernelCode, new byte[0], UserPorts.DENIED);
    }

    /** Kernel code that pushes an IRETQ frame and drops to {@link #USER_CODE} in ring 3. */
    static GuestCode enterUserMode(GuestCode kernel, UserPorts userPorts) {
        long rflags = RFLAGS_RESERVED | (userPorts == UserPorts.ALLOWED ? RFLAGS_IOPL_3 : 0);
        return kernel.pushImm32(USER_DS).pushImm32(USER_STACK_TOP).pushImm32((int) rflags)
                .pushImm32(USER_CS).pushImm32((int) USER_CODE).iretq();
    }

    private static Segment flat(int selector, int type, int dpl, boolean code) {
        return new Segment(0, 0xffff_ffff, selector, type, true, dpl, !code, true, code, true, false, false);
    }
}
