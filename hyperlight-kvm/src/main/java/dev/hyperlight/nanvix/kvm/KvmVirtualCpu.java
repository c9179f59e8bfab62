package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hostmem.KickSignal;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.kvm.sys.kvm_msr_entry;
import dev.hyperlight.nanvix.kvm.sys.kvm_msrs;
import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import dev.hyperlight.nanvix.kvm.sys.kvm_segment;
import dev.hyperlight.nanvix.kvm.sys.kvm_sregs;
import dev.hyperlight.nanvix.kvm.sys.kvm_sync_regs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KVM vCPU: its file descriptor and its mapped {@code kvm_run} area.
 *
 * <p>Everything but {@link #interrupt()} is meant for one thread at a time (the one that runs it).
 * {@link #interrupt()} works from any thread, Hyperlight's way: it sets {@code
 * kvm_run.immediate_exit}, so that a {@code KVM_RUN} not yet entered returns {@code EINTR} at once,
 * and sends {@link KickSignal} with {@code pthread_kill} to the thread inside {@link #run()}, so
 * that a guest already running, even in {@code for(;;);}, is forced out with {@code EINTR}. The
 * kick is repeated every {@link #KICK_INTERVAL_NANOS} until that thread reports it has left {@link
 * #run()}, so that a kick lost in a window nobody foresaw (the signal briefly blocked, say) cannot
 * leave the guest spinning.
 */
final class KvmVirtualCpu implements VirtualCpu {

    static final long KICK_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private static final VmExit INTERRUPTED = new VmExit.Interrupted();
    private static final VmExit NUDGED = new VmExit.Nudged();
    /**
     * The MSRs a VM fork copies besides what {@code kvm_sregs} holds (EFER, FS/GS base): the TSC,
     * so the guest's clock runs on in the child, and the system-call and swapgs MSRs the guest
     * kernel programmed. Those KVM refuses to read are left at their reset values.
     */
    static final int[] SAVED_MSRS = {
        0x10, // IA32_TSC
        0xc000_0081, // IA32_STAR
        0xc000_0082, // IA32_LSTAR
        0xc000_0083, // IA32_CSTAR
        0xc000_0084, // IA32_FMASK
        0xc000_0100, // IA32_FS_BASE
        0xc000_0101, // IA32_GS_BASE
        0xc000_0102, // IA32_KERNEL_GS_BASE
        0xc000_0103, // IA32_TSC_AUX
        0x277, // IA32_PAT
    };
    private static final Logger LOG = LoggerFactory.getLogger(KvmVirtualCpu.class);

    /** How long kicks may go unanswered before the run is given up ({@link KvmKernel.VcpuPort#abandon()}). */
    static final long ABANDON_AFTER_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final int id;
    private final boolean syncSpecialRegisters;
    /**
     * The vCPU's channel and its {@code kvm_run} area. That area is touched only inside {@link
     * #run()} while {@link #runningThread} is set, or under {@link #runState} while not {@link
     * #closed}, and {@link #close()} waits for both before it closes the port.
     */
    private final KvmKernel.VcpuPort port;
    /** Small ioctl buffers, used by the thread that drives this vCPU; freed by the GC, never early. */
    private final MemorySegment regs;
    private final MemorySegment sregs;
    private final MemorySegment msrs;

    /** Guards {@link #runningThread} and {@link #closed} between the vCPU thread and interrupters. */
    private final Object runState = new Object();
    /** {@code pthread_t} of the thread inside {@link #run()}, 0 when none: the target of kicks. */
    private long runningThread;
    private volatile boolean interruptRequested;
    /** {@link #nudge()} kicked the running thread: its run returns {@link VmExit.Nudged} once. */
    private volatile boolean nudged;
    /** {@link #resumeWith} left registers in {@code kvm_run} for the next {@code KVM_RUN} to load. */
    private boolean registersDirty;
    private volatile boolean closed;

    private KvmVirtualCpu(int id, KvmKernel.VcpuPort port, boolean syncSpecialRegisters) {
        this.id = id;
        this.port = port;
        this.syncSpecialRegisters = syncSpecialRegisters;
        Arena arena = Arena.ofAuto();
        this.regs = arena.allocate(kvm_regs.layout());
        this.sregs = arena.allocate(kvm_sregs.layout());
        this.msrs = arena.allocate(kvm_msrs.layout().byteSize() + kvm_msr_entry.layout().byteSize(), 8);
    }

    /** Creates vCPU {@code id} of the VM {@code vmFd}, with the host's supported CPUID. */
    static KvmVirtualCpu create(KvmKernel kernel, int vmFd, int id, VcpuSetup setup) throws HypervisorException {
        long fd = kernel.ioctl(vmFd, KVM_CREATE_VCPU, id);
        if (fd < 0) {
            throw NativeFailure.of("KVM_CREATE_VCPU", (int) -fd);
        }
        KvmVirtualCpu vcpu = new KvmVirtualCpu(id, kernel.openVcpu((int) fd, setup), setup.syncSpecialRegisters());
        try (Arena scratch = Arena.ofConfined()) {
            vcpu.ioctl(KVM_SET_CPUID2, setup.supportedCpuidCopy(scratch), "KVM_SET_CPUID2");
            return vcpu;
        } catch (HypervisorException | RuntimeException e) {
            vcpu.close();
            throw e;
        }
    }

    @Override
    public Registers registers() throws HypervisorException {
        if (registersDirty) {
            return exitRegisters(); // what the next KVM_RUN loads
        }
        ioctl(KVM_GET_REGS, regs, "KVM_GET_REGS");
        return KvmRegisters.read(regs);
    }

    @Override
    public void setRegisters(Registers registers) throws HypervisorException {
        dropDirtyRegisters();
        KvmRegisters.write(registers, regs);
        ioctl(KVM_SET_REGS, regs, "KVM_SET_REGS");
    }

    /** From {@code kvm_run} where KVM syncs them (no ioctl), else {@code KVM_GET_REGS}. */
    @Override
    public Registers exitRegisters() throws HypervisorException {
        if (!port.syncsRegisters()) {
            return registers();
        }
        ensureOpen();
        return KvmRegisters.read(syncedRegisters());
    }

    @Override
    public long exitCr3() throws HypervisorException {
        if (!syncSpecialRegisters) {
            return specialRegisters().cr3();
        }
        ensureOpen();
        return kvm_sregs.cr3(kvm_sync_regs.sregs(kvm_run.s_regs(port.runArea())));
    }

    /**
     * Into {@code kvm_run}, marked dirty: KVM loads them at the next {@code KVM_RUN} (before it
     * completes the exit's instruction, so RIP set here wins over the skip past an {@code out}).
     */
    @Override
    public void resumeWith(Registers registers) throws HypervisorException {
        if (!port.syncsRegisters()) {
            setRegisters(registers);
            return;
        }
        ensureOpen();
        KvmRegisters.write(registers, syncedRegisters());
        kvm_run.kvm_dirty_regs(port.runArea(), KVM_SYNC_X86_REGS);
        registersDirty = true;
    }

    private MemorySegment syncedRegisters() {
        return kvm_sync_regs.regs(kvm_run.s_regs(port.runArea()));
    }

    /** An ioctl that sets registers supersedes what {@link #resumeWith} left for the next run. */
    private void dropDirtyRegisters() {
        if (registersDirty) {
            kvm_run.kvm_dirty_regs(port.runArea(), 0);
            registersDirty = false;
        }
    }

    @Override
    public SpecialRegisters specialRegisters() throws HypervisorException {
        ioctl(KVM_GET_SREGS, sregs, "KVM_GET_SREGS");
        return KvmRegisters.readSpecial(sregs);
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters registers) throws HypervisorException {
        KvmRegisters.writeSpecial(registers, sregs);
        ioctl(KVM_SET_SREGS, sregs, "KVM_SET_SREGS");
    }

    @Override
    public void setMsr(int index, long value) throws HypervisorException {
        msrs.fill((byte) 0);
        kvm_msrs.nmsrs(msrs, 1);
        MemorySegment entry = msrs.asSlice(kvm_msrs.layout().byteSize());
        kvm_msr_entry.index(entry, index);
        kvm_msr_entry.data(entry, value);
        ensureOpen();
        long written = port.ioctl(KVM_SET_MSRS, msrs);
        if (written < 0) {
            throw NativeFailure.of("KVM_SET_MSRS", (int) -written);
        }
        if (written != 1) { // KVM stops at the first MSR it refuses and returns how many it set
            throw new HypervisorException(HypervisorException.Kind.FAILED,
                    "KVM refused to set MSR 0x" + Integer.toHexString(index) + " to 0x" + Long.toHexString(value));
        }
    }

    @Override
    public CpuState saveState() throws HypervisorException {
        completeLastExit();
        ioctl(KVM_GET_REGS, regs, "KVM_GET_REGS");
        ioctl(KVM_GET_SREGS, sregs, "KVM_GET_SREGS");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xsave = arena.allocate(KVM_XSAVE_SIZE, 8);
            ioctl(KVM_GET_XSAVE, xsave, "KVM_GET_XSAVE");
            MemorySegment xcrs = arena.allocate(KVM_XCRS_SIZE, 8);
            // Without XCR0 support (no XSAVE in CPUID) KVM refuses: then only the legacy area counts.
            boolean hasXcrs = port.ioctl(KVM_GET_XCRS, xcrs) == 0;
            int[] indices = new int[SAVED_MSRS.length];
            long[] values = new long[SAVED_MSRS.length];
            int count = 0;
            for (int index : SAVED_MSRS) {
                Long value = readMsr(index);
                if (value != null) {
                    indices[count] = index;
                    values[count++] = value;
                }
            }
            return new KvmCpuState(regs.toArray(ValueLayout.JAVA_BYTE), sregs.toArray(ValueLayout.JAVA_BYTE),
                    xsave.toArray(ValueLayout.JAVA_BYTE), hasXcrs ? xcrs.toArray(ValueLayout.JAVA_BYTE) : new byte[0],
                    Arrays.copyOf(indices, count), Arrays.copyOf(values, count));
        }
    }

    /**
     * Finishes the instruction of the last exit. After an I/O exit on hardware virtualization KVM
     * completes the instruction (moves RIP past an {@code out}, loads an {@code in}'s value) only
     * at the next {@code KVM_RUN}, so registers read before that show it not yet done, and a vCPU
     * restored from them would execute it again: a forked child ran its parent's fork hypercall
     * once more, and so did its child, up to the process limit (found by the hostile and fuzzing
     * guests on the QEMU-emulated KVM; under PVM an {@code out}, the only I/O instruction our
     * kernel uses, is finished before the exit, but an {@code in} is not: docs/guest-abi.md,
     * "Platform notes"). KVM's documented way: a {@code KVM_RUN} with {@code immediate_exit}
     * set completes it and returns {@code EINTR} without entering the guest.
     */
    private void completeLastExit() throws HypervisorException {
        synchronized (runState) {
            ensureOpen();
            runningThread = libc_h.pthread_self(); // close() waits for this run too
            port.immediateExit(true);
        }
        try {
            long result = port.run();
            registersDirty = false; // loaded by that KVM_RUN
            if (result == 0) {
                throw new HypervisorException(HypervisorException.Kind.FAILED,
                        "vCPU " + id + ": the last exit's instruction needs another exit to complete");
            }
            if (result != -libc_h.EINTR) {
                throw NativeFailure.of("KVM_RUN (completing the last exit)", (int) -result);
            }
        } finally {
            synchronized (runState) {
                runningThread = 0;
                if (!interruptRequested) {
                    port.immediateExit(false); // an interrupt's stays set for good
                }
            }
        }
    }

    /** Loads special registers first (modes, EFER), then MSRs, general registers, XCRs, XSAVE area. */
    @Override
    public void restoreState(CpuState state) throws HypervisorException {
        if (!(state instanceof KvmCpuState saved)) {
            throw new IllegalArgumentException("not a KVM vCPU state: " + state);
        }
        dropDirtyRegisters();
        MemorySegment.copy(saved.sregs(), 0, sregs, ValueLayout.JAVA_BYTE, 0, saved.sregs().length);
        ioctl(KVM_SET_SREGS, sregs, "KVM_SET_SREGS");
        for (int i = 0; i < saved.msrIndices().length; i++) {
            setMsr(saved.msrIndices()[i], saved.msrValues()[i]);
        }
        MemorySegment.copy(saved.regs(), 0, regs, ValueLayout.JAVA_BYTE, 0, saved.regs().length);
        ioctl(KVM_SET_REGS, regs, "KVM_SET_REGS");
        try (Arena arena = Arena.ofConfined()) {
            if (saved.xcrs().length > 0) {
                ioctl(KVM_SET_XCRS, arena.allocateFrom(ValueLayout.JAVA_BYTE, saved.xcrs()), "KVM_SET_XCRS");
            }
            ioctl(KVM_SET_XSAVE, arena.allocateFrom(ValueLayout.JAVA_BYTE, saved.xsave()), "KVM_SET_XSAVE");
        }
    }

    /**
     * The TSC the guest reads now, or -1 when KVM does not let us read it. Under PVM that is the
     * host's TSC whatever was written to it (the guest's {@code rdtsc} runs unscaled, unoffset).
     */
    long tsc() throws HypervisorException {
        Long value = readMsr(KvmCpuState.IA32_TSC);
        return value == null ? -1 : value;
    }

    /** One MSR's value, or null when KVM does not let us read it. */
    private Long readMsr(int index) throws HypervisorException {
        msrs.fill((byte) 0);
        kvm_msrs.nmsrs(msrs, 1);
        MemorySegment entry = msrs.asSlice(kvm_msrs.layout().byteSize());
        kvm_msr_entry.index(entry, index);
        ensureOpen();
        if (port.ioctl(KVM_GET_MSRS, msrs) != 1) {
            LOG.debug("vCPU {}: MSR 0x{} cannot be read", id, Integer.toHexString(index));
            return null;
        }
        return kvm_msr_entry.data(entry);
    }

    @Override
    public long tscKhz() {
        ensureOpen();
        try {
            return Math.max(port.ioctl(KVM_GET_TSC_KHZ, 0L), 0);
        } catch (HypervisorException e) {
            LOG.debug("vCPU {}: KVM_GET_TSC_KHZ failed: {}", id, e.getMessage());
            return 0; // unknown, as when KVM refuses it
        }
    }

    @Override
    public VmExit run() throws HypervisorException {
        synchronized (runState) {
            if (interruptRequested) {
                return INTERRUPTED;
            }
            ensureOpen();
            runningThread = libc_h.pthread_self();
        }
        try {
            long result;
            while ((result = port.run()) != 0) {
                registersDirty = false; // KVM loaded them even when the run ended at once
                if (result != -libc_h.EINTR) {
                    throw NativeFailure.of("KVM_RUN", (int) -result);
                }
                if (interruptRequested) {
                    return INTERRUPTED;
                }
                if (nudged) {
                    nudged = false;
                    return NUDGED;
                }
                // Another signal (a profiler's, the JVM's) stopped the run: enter the guest again.
            }
            registersDirty = false;
            VmExit exit;
            try {
                exit = ExitDecoder.decode(port.runArea(), this::privilegeLevelAtExit); // before close() may unmap it
            } catch (HypervisorException e) {
                port.distrust();
                throw e;
            }
            if (exit instanceof VmExit.Unknown unknown && !ExitDecoder.couldBeKvms(unknown.reason())) {
                port.distrust(); // the run fails on it; a VMM process that made it up is not kept
            }
            return exit;
        } finally {
            synchronized (runState) {
                runningThread = 0;
            }
        }
    }

    /**
     * The CPL at an I/O exit, from the special registers KVM synced into {@code kvm_run}, or with
     * {@code KVM_GET_SREGS} when it does not sync them.
     *
     * <p>Under PVM (the {@code /dev/kvm} of our build machines) the guest always runs in hardware
     * ring 3, yet KVM reports the guest's own privilege state: measured with the ring-3 test guest
     * of {@code KvmVirtualCpuTest}, an {@code out} in guest ring 0 shows CS 0x08 and SS.DPL 0 (CPL
     * 0), and one after an IRETQ to ring 3 shows CS 0x23 and SS.DPL 3 (CPL 3), in the synced
     * registers and from {@code KVM_GET_SREGS} alike. So CPL 3 reliably tells user code's {@code
     * out} from the guest kernel's. A ring-3 {@code out} reaches the host only when the guest's TSS
     * I/O permission bitmap allows the port (KVM applies the architectural check); with the bitmap
     * base at or past the TSS limit it raises #GP inside the guest instead, as on hardware.
     */
    private int privilegeLevelAtExit() throws HypervisorException {
        if (syncSpecialRegisters) {
            MemorySegment synced = kvm_sync_regs.sregs(kvm_run.s_regs(port.runArea()));
            return SpecialRegisters.privilegeLevel(kvm_sregs.cr0(synced),
                    Byte.toUnsignedInt(kvm_segment.dpl(kvm_sregs.ss(synced))));
        }
        return specialRegisters().privilegeLevel();
    }

    @Override
    public long cpuTimeElsewhereNanos() {
        return port.cpuTimeElsewhereNanos();
    }

    @Override
    public void interrupt() {
        synchronized (runState) {
            if (closed) {
                return;
            }
            interruptRequested = true;
            port.immediateExit(true); // never cleared: every later run returns at once
        }
        long start = System.nanoTime();
        boolean abandoned = false;
        while (kick()) {
            LockSupport.parkNanos(KICK_INTERVAL_NANOS);
            if (!abandoned && System.nanoTime() - start > ABANDON_AFTER_NANOS) {
                abandoned = true;
                port.abandon();
            }
        }
    }

    /** A preemption tick: the same signal as a kick, without {@code immediate_exit}, once. */
    @Override
    public void nudge() {
        synchronized (runState) {
            // Under the lock the thread cannot leave run(), so its pthread_t is valid.
            if (closed || runningThread == 0) {
                return;
            }
            nudged = true;
            port.kick(runningThread);
        }
    }

    /** Signals the thread inside {@link #run()}, if any; false once no thread is inside. */
    private boolean kick() {
        synchronized (runState) {
            // Under the lock the thread cannot leave run(), let alone end, so its pthread_t is valid.
            if (runningThread == 0) {
                return false;
            }
            port.kick(runningThread);
            return true;
        }
    }

    /** Stops a run in progress on another thread, then unmaps {@code kvm_run} and closes the vCPU. */
    @Override
    public void close() {
        interrupt(); // returns once no thread is inside run()
        synchronized (runState) {
            if (closed) {
                return;
            }
            closed = true;
        }
        port.close();
    }

    private void ioctl(long request, MemorySegment argument, String name) throws HypervisorException {
        ensureOpen();
        long result = port.ioctl(request, argument);
        if (result < 0) {
            throw NativeFailure.of(name + " on vCPU " + id, (int) -result);
        }
        if (result != 0) {
            throw new HypervisorException(HypervisorException.Kind.FAILED,
                    name + " on vCPU " + id + " returned " + result + " instead of 0");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("vCPU " + id + " is closed");
        }
    }
}
