package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

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
import dev.hyperlight.nanvix.kvm.sys.libc_h;
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

    private final int id;
    private final int vcpuFd;
    private final boolean syncSpecialRegisters;
    private final int kickSignal;
    /**
     * The mapped {@code kvm_run} area. It has no arena (closing a shared one costs a handshake with
     * every JVM thread); instead it is touched only inside {@link #run()} while {@link
     * #runningThread} is set, or under {@link #runState} while not {@link #closed}, and {@link
     * #close()} waits for both before it unmaps.
     */
    private final MemorySegment run;
    /** Small ioctl buffers, used by the thread that drives this vCPU; freed by the GC, never early. */
    private final MemorySegment callState;
    private final MemorySegment regs;
    private final MemorySegment sregs;
    private final MemorySegment msrs;

    /** Guards {@link #runningThread} and {@link #closed} between the vCPU thread and interrupters. */
    private final Object runState = new Object();
    /** {@code pthread_t} of the thread inside {@link #run()}, 0 when none: the target of kicks. */
    private long runningThread;
    private volatile boolean interruptRequested;
    private volatile boolean closed;

    private KvmVirtualCpu(int id, int vcpuFd, MemorySegment run, boolean syncSpecialRegisters) {
        this.id = id;
        this.vcpuFd = vcpuFd;
        this.run = run;
        this.syncSpecialRegisters = syncSpecialRegisters;
        this.kickSignal = KickSignal.number();
        Arena arena = Arena.ofAuto();
        this.callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
        this.regs = arena.allocate(kvm_regs.layout());
        this.sregs = arena.allocate(kvm_sregs.layout());
        this.msrs = arena.allocate(kvm_msrs.layout().byteSize() + kvm_msr_entry.layout().byteSize(), 8);
    }

    /** Creates vCPU {@code id} of the VM {@code vmFd}, with the host's supported CPUID. */
    @SuppressWarnings("restricted") // sizes the segment to the kvm_run mapping just made
    static KvmVirtualCpu create(int vmFd, int id, VcpuSetup setup) throws HypervisorException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            int fd = libc_h.ioctl(callState, vmFd, KVM_CREATE_VCPU, id);
            if (fd < 0) {
                throw NativeFailure.of("KVM_CREATE_VCPU", libc_h.errno(callState));
            }
            MemorySegment mapping = libc_h.mmap(callState, MemorySegment.NULL, setup.runMmapSize(),
                    libc_h.PROT_READ | libc_h.PROT_WRITE, libc_h.MAP_SHARED, fd, 0);
            if (mapping.address() == libc_h.MAP_FAILED) {
                int errno = libc_h.errno(callState);
                libc_h.close(callState, fd);
                throw NativeFailure.of("mmap of kvm_run", errno);
            }
            KvmVirtualCpu vcpu = new KvmVirtualCpu(id, fd, mapping.reinterpret(setup.runMmapSize()),
                    setup.syncSpecialRegisters());
            try {
                vcpu.configure(setup, scratch);
                return vcpu;
            } catch (HypervisorException | RuntimeException e) {
                vcpu.close();
                throw e;
            }
        }
    }

    private void configure(VcpuSetup setup, Arena scratch) throws HypervisorException {
        if (libc_h.ioctl(callState, vcpuFd, KVM_SET_CPUID2, setup.supportedCpuidCopy(scratch)) != 0) {
            throw NativeFailure.of("KVM_SET_CPUID2", libc_h.errno(callState));
        }
        // KVM copies the special registers out at every exit; it must never load any from kvm_run.
        kvm_run.kvm_valid_regs(run, syncSpecialRegisters ? KVM_SYNC_X86_SREGS : 0);
        kvm_run.kvm_dirty_regs(run, 0);
    }

    @Override
    public Registers registers() throws HypervisorException {
        ioctl(KVM_GET_REGS, regs, "KVM_GET_REGS");
        return KvmRegisters.read(regs);
    }

    @Override
    public void setRegisters(Registers registers) throws HypervisorException {
        KvmRegisters.write(registers, regs);
        ioctl(KVM_SET_REGS, regs, "KVM_SET_REGS");
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
        int written = libc_h.ioctl(callState, vcpuFd, KVM_SET_MSRS, msrs);
        if (written < 0) {
            throw NativeFailure.of("KVM_SET_MSRS", libc_h.errno(callState));
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
            boolean hasXcrs = libc_h.ioctl(callState, vcpuFd, KVM_GET_XCRS, xcrs) == 0;
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
     * guests on the QEMU-emulated KVM; under PVM, whose emulator finishes it before the exit, the
     * state was complete). KVM's documented way: a {@code KVM_RUN} with {@code immediate_exit}
     * set completes it and returns {@code EINTR} without entering the guest.
     */
    private void completeLastExit() throws HypervisorException {
        synchronized (runState) {
            ensureOpen();
            runningThread = libc_h.pthread_self(); // close() waits for this run too
            kvm_run.immediate_exit(run, (byte) 1);
        }
        try {
            int result = libc_h.ioctl(callState, vcpuFd, KVM_RUN, 0L);
            int errno = libc_h.errno(callState);
            if (result == 0) {
                throw new HypervisorException(HypervisorException.Kind.FAILED,
                        "vCPU " + id + ": the last exit's instruction needs another exit to complete");
            }
            if (errno != libc_h.EINTR) {
                throw NativeFailure.of("KVM_RUN (completing the last exit)", errno);
            }
        } finally {
            synchronized (runState) {
                runningThread = 0;
                if (!interruptRequested) {
                    kvm_run.immediate_exit(run, (byte) 0); // an interrupt's stays set for good
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

    /** One MSR's value, or null when KVM does not let us read it. */
    private Long readMsr(int index) {
        msrs.fill((byte) 0);
        kvm_msrs.nmsrs(msrs, 1);
        MemorySegment entry = msrs.asSlice(kvm_msrs.layout().byteSize());
        kvm_msr_entry.index(entry, index);
        ensureOpen();
        if (libc_h.ioctl(callState, vcpuFd, KVM_GET_MSRS, msrs) != 1) {
            LOG.debug("vCPU {}: MSR 0x{} cannot be read", id, Integer.toHexString(index));
            return null;
        }
        return kvm_msr_entry.data(entry);
    }

    @Override
    public long tscKhz() {
        ensureOpen();
        int khz = libc_h.ioctl(callState, vcpuFd, KVM_GET_TSC_KHZ, 0L);
        return Math.max(khz, 0);
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
            while (libc_h.ioctl(callState, vcpuFd, KVM_RUN, 0L) != 0) {
                int errno = libc_h.errno(callState);
                if (errno != libc_h.EINTR) {
                    throw NativeFailure.of("KVM_RUN", errno);
                }
                if (interruptRequested) {
                    return INTERRUPTED;
                }
                // Another signal (a profiler's, the JVM's) stopped the run: enter the guest again.
            }
            return ExitDecoder.decode(run, this::privilegeLevelAtExit); // before close() may unmap kvm_run
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
            MemorySegment synced = kvm_sync_regs.sregs(kvm_run.s_regs(run));
            return SpecialRegisters.privilegeLevel(kvm_sregs.cr0(synced),
                    Byte.toUnsignedInt(kvm_segment.dpl(kvm_sregs.ss(synced))));
        }
        return specialRegisters().privilegeLevel();
    }

    @Override
    public void interrupt() {
        synchronized (runState) {
            if (closed) {
                return;
            }
            interruptRequested = true;
            kvm_run.immediate_exit(run, (byte) 1); // never cleared: every later run returns at once
        }
        while (kick()) {
            LockSupport.parkNanos(KICK_INTERVAL_NANOS);
        }
    }

    /** Signals the thread inside {@link #run()}, if any; false once no thread is inside. */
    private boolean kick() {
        synchronized (runState) {
            // Under the lock the thread cannot leave run(), let alone end, so its pthread_t is valid.
            if (runningThread == 0) {
                return false;
            }
            int error = libc_h.pthread_kill(runningThread, kickSignal);
            if (error != 0) {
                LOG.warn("pthread_kill of vCPU {} failed: {}", id, NativeFailure.describe(error));
            }
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
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment closeState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.munmap(closeState, run, run.byteSize()) != 0) {
                LOG.warn("munmap of kvm_run of vCPU {} failed: {}", id,
                        NativeFailure.describe(libc_h.errno(closeState)));
            }
            if (libc_h.close(closeState, vcpuFd) != 0) {
                LOG.warn("close of vCPU {} failed: {}", id, NativeFailure.describe(libc_h.errno(closeState)));
            }
        }
    }

    private void ioctl(long request, MemorySegment argument, String name) throws HypervisorException {
        ensureOpen();
        if (libc_h.ioctl(callState, vcpuFd, request, argument) != 0) {
            throw NativeFailure.of(name + " on vCPU " + id, libc_h.errno(callState));
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("vCPU " + id + " is closed");
        }
    }
}
