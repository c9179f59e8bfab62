package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;

import dev.hyperlight.nanvix.hostmem.KickSignal;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.mshv.InterceptDecoder.Completion;
import dev.hyperlight.nanvix.mshv.sys.mshv_get_set_vp_state;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VP (virtual processor) of a partition: its file descriptor, registers through hypercalls.
 *
 * <p>Everything but {@link #interrupt()} is meant for one thread at a time (the one that runs it).
 * mshv has no {@code immediate_exit}: {@link #interrupt()} sets a flag {@link #run()} checks
 * before each entry, and sends {@link KickSignal} with {@code pthread_kill} to the thread inside
 * {@link #run()}, whose {@code MSHV_RUN_VP} then returns {@code EINTR} (the driver checks for a
 * pending signal before and while the VP runs, as for any interruptible wait). A kick that lands
 * between the flag check and the ioctl would be lost, so it is repeated every {@link
 * #KICK_INTERVAL_NANOS} until the thread reports it has left {@link #run()}.
 */
final class MshvVirtualCpu implements VirtualCpu {

    static final long KICK_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** {@code MSHV_GET_VP_STATE} buffers are whole 4 KiB pages; the XSAVE area fits in few. */
    static final int STATE_PAGE = MSHV_HV_PAGE_SIZE;
    static final int MAX_XSAVE_PAGES = 4;
    /**
     * What {@link #saveState()} saves, in the order {@link #restoreState} writes it: special,
     * extra (MSR-like) and general registers.
     */
    static final int[] SAVED_REGISTERS = IntStream.concat(IntStream.concat(Arrays.stream(MshvRegisters.SPECIAL),
            Arrays.stream(MshvRegisters.SAVED_EXTRA)), Arrays.stream(MshvRegisters.GENERAL)).toArray();

    private static final VmExit INTERRUPTED = new VmExit.Interrupted();
    private static final Logger LOG = LoggerFactory.getLogger(MshvVirtualCpu.class);

    private final MshvKernel kernel;
    private final int index;
    private final int vpFd;
    private final int kickSignal;
    private final VpRegisters registers;
    /** The {@code hv_message} each run copies out; used by the running thread only. */
    private final MemorySegment message;

    /** Guards {@link #runningThread} and {@link #closed} between the VP's thread and interrupters. */
    private final Object runState = new Object();
    /** {@code pthread_t} of the thread inside {@link #run()}, 0 when none: the target of kicks. */
    private long runningThread;
    private volatile boolean interruptRequested;
    private volatile boolean closed;

    MshvVirtualCpu(MshvKernel kernel, int index, int vpFd) {
        this.kernel = kernel;
        this.index = index;
        this.vpFd = vpFd;
        this.kickSignal = KickSignal.number();
        this.registers = new VpRegisters(kernel, vpFd, index);
        this.message = Arena.ofAuto().allocate(MSHV_RUN_VP_BUF_SZ, 8);
    }

    @Override
    public Registers registers() throws HypervisorException {
        ensureOpen();
        return MshvRegisters.readGeneral(registers.read(MshvRegisters.GENERAL));
    }

    @Override
    public void setRegisters(Registers values) throws HypervisorException {
        ensureOpen();
        registers.write(MshvRegisters.GENERAL, MshvRegisters.writeGeneral(values));
    }

    @Override
    public SpecialRegisters specialRegisters() throws HypervisorException {
        ensureOpen();
        return MshvRegisters.readSpecial(registers.read(MshvRegisters.SPECIAL));
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters values) throws HypervisorException {
        ensureOpen();
        registers.write(MshvRegisters.SPECIAL, MshvRegisters.writeSpecial(values));
    }

    @Override
    public void setMsr(int msr, long value) throws HypervisorException {
        ensureOpen();
        MemorySegment values = MshvRegisters.values(1);
        values.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        registers.write(new int[] {MshvRegisters.msrRegister(msr)}, values);
    }

    /**
     * Special, extra (MSR-like) and general registers, then the XSAVE area. The exit's instruction
     * is already complete: {@link #run()} completes each intercept before it returns.
     */
    @Override
    public CpuState saveState() throws HypervisorException {
        ensureOpen();
        MemorySegment values = registers.read(SAVED_REGISTERS);
        return new MshvCpuState(SAVED_REGISTERS, values.toArray(ValueLayout.JAVA_BYTE), xsave());
    }

    @Override
    public void restoreState(CpuState state) throws HypervisorException {
        if (!(state instanceof MshvCpuState saved)) {
            throw new IllegalArgumentException("not an mshv VP state: " + state);
        }
        ensureOpen();
        int[] names = saved.names();
        MemorySegment values = MemorySegment.ofArray(saved.values());
        for (int from = 0; from < names.length; from += VpRegisters.MAX_WRITE) {
            int to = Math.min(names.length, from + VpRegisters.MAX_WRITE);
            registers.write(Arrays.copyOfRange(names, from, to), values.asSlice(
                    (long) from * VpRegisters.VALUE_SIZE, (long) (to - from) * VpRegisters.VALUE_SIZE));
        }
        byte[] xsave = saved.xsave();
        try (Arena arena = Arena.ofConfined()) {
            long bufferSize = ((long) xsave.length + STATE_PAGE - 1) / STATE_PAGE * STATE_PAGE;
            MemorySegment buffer = arena.allocate(bufferSize, STATE_PAGE);
            MemorySegment.copy(xsave, 0, buffer, ValueLayout.JAVA_BYTE, 0, xsave.length);
            vpState(MSHV_SET_VP_STATE, "MSHV_SET_VP_STATE", buffer, arena);
        }
    }

    /** The XSAVE area ({@code MSHV_VP_STATE_XSAVE}), growing the buffer while the kernel says it is too small. */
    private byte[] xsave() throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            for (int pages = 1; pages <= MAX_XSAVE_PAGES; pages++) {
                MemorySegment buffer = arena.allocate((long) pages * STATE_PAGE, STATE_PAGE);
                MemorySegment args = arena.allocate(mshv_get_set_vp_state.layout());
                args.fill((byte) 0);
                mshv_get_set_vp_state.type(args, (byte) MSHV_VP_STATE_XSAVE);
                mshv_get_set_vp_state.buf_sz(args, (int) buffer.byteSize());
                mshv_get_set_vp_state.buf_ptr(args, buffer.address());
                int result = kernel.ioctl(vpFd, MSHV_GET_VP_STATE, args);
                long size = Integer.toUnsignedLong(mshv_get_set_vp_state.buf_sz(args));
                if (result >= 0) {
                    if (size > buffer.byteSize()) {
                        throw new HypervisorException(HypervisorException.Kind.FAILED, "MSHV_GET_VP_STATE reported "
                                + size + " bytes of XSAVE state in a buffer of " + buffer.byteSize());
                    }
                    return buffer.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
                }
                if (size <= buffer.byteSize()) { // not a buffer too small: a real failure
                    throw NativeFailure.of("MSHV_GET_VP_STATE (XSAVE) on VP " + index, -result);
                }
            }
            throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED,
                    "the VP's XSAVE state is larger than " + MAX_XSAVE_PAGES + " pages");
        }
    }

    private void vpState(long request, String name, MemorySegment buffer, Arena arena) throws HypervisorException {
        MemorySegment args = arena.allocate(mshv_get_set_vp_state.layout());
        args.fill((byte) 0);
        mshv_get_set_vp_state.type(args, (byte) MSHV_VP_STATE_XSAVE);
        mshv_get_set_vp_state.buf_sz(args, (int) buffer.byteSize());
        mshv_get_set_vp_state.buf_ptr(args, buffer.address());
        int result = kernel.ioctl(vpFd, request, args);
        if (result < 0) {
            throw NativeFailure.of(name + " (XSAVE) on VP " + index, -result);
        }
    }

    /**
     * 0: mshv has no call for the partition's TSC frequency that this backend uses. The guest
     * kernel then takes it from the hypervisor's CPUID timing leaf or CPUID leaf 0x16.
     */
    @Override
    public long tscKhz() {
        return 0;
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
        InterceptDecoder.Decoded decoded;
        try {
            while (true) {
                int result = kernel.ioctl(vpFd, MSHV_RUN_VP, message);
                if (result >= 0) {
                    break;
                }
                if (-result != libc_h.EINTR) {
                    throw NativeFailure.of("MSHV_RUN_VP on VP " + index, -result);
                }
                if (interruptRequested) {
                    return INTERRUPTED;
                }
                // Another signal (a profiler's, the JVM's) stopped the run: enter the guest again.
            }
            decoded = InterceptDecoder.decode(message);
        } finally {
            synchronized (runState) {
                runningThread = 0;
            }
        }
        complete(decoded.completion());
        return decoded.exit();
    }

    /** Does what the hypervisor left to the VMM: RIP past an {@code in}/{@code out}, an {@code in}'s value. */
    private void complete(Completion completion) throws HypervisorException {
        switch (completion) {
            case Completion.None ignored -> {}
            case Completion.AdvanceRip advance -> {
                MemorySegment values = MshvRegisters.values(1);
                values.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, advance.rip());
                registers.write(new int[] {HV_X64_REGISTER_RIP}, values);
            }
            case Completion.AdvanceRipAndLoadRax advance -> {
                MemorySegment values = MshvRegisters.values(2);
                values.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, advance.rip());
                values.set(ValueLayout.JAVA_LONG_UNALIGNED, VpRegisters.VALUE_SIZE, advance.rax());
                registers.write(new int[] {HV_X64_REGISTER_RIP, HV_X64_REGISTER_RAX}, values);
            }
        }
    }

    @Override
    public void interrupt() {
        synchronized (runState) {
            if (closed) {
                return;
            }
            interruptRequested = true; // never cleared: every later run returns at once
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
                LOG.warn("pthread_kill of VP {} failed: {}", index, NativeFailure.describe(error));
            }
            return true;
        }
    }

    /** Stops a run in progress on another thread, then closes the VP. */
    @Override
    public void close() {
        interrupt(); // returns once no thread is inside run()
        synchronized (runState) {
            if (closed) {
                return;
            }
            closed = true;
        }
        int result = kernel.close(vpFd);
        if (result < 0) {
            LOG.warn("close of VP {} failed: {}", index, NativeFailure.describe(-result));
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("VP " + index + " is closed");
        }
    }
}
