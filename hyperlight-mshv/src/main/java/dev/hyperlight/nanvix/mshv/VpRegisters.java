package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static dev.hyperlight.nanvix.mshv.sys.mshv_h.MSHV_ROOT_HVCALL;

import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.mshv.sys.hv_input_get_vp_registers;
import dev.hyperlight.nanvix.mshv.sys.hv_register_assoc;
import dev.hyperlight.nanvix.mshv.sys.mshv_root_hvcall;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes a VP's registers with the hypercalls {@code HvCallGetVpRegisters} and {@code
 * HvCallSetVpRegisters}, passed through {@code MSHV_ROOT_HVCALL} on the VP's descriptor (the kernel
 * fills in the partition id; the VP index and VTL are ours). Each register value is 16 bytes, as
 * the TLFS's {@code HV_REGISTER_VALUE}. Used by the VP's own thread only.
 */
final class VpRegisters {

    /** Bytes of one {@code HV_REGISTER_VALUE}. */
    static final int VALUE_SIZE = 16;
    /** The kernel takes at most a hypervisor page of input and of output per hypercall. */
    private static final int PAGE = 4096;
    private static final long HEADER = hv_input_get_vp_registers.layout().byteSize();
    private static final long ASSOC = hv_register_assoc.layout().byteSize();
    /** The most registers one call reads (output bound) or writes (input bound). */
    static final int MAX_READ = PAGE / VALUE_SIZE;
    static final int MAX_WRITE = (int) ((PAGE - HEADER) / ASSOC);

    private final MshvKernel kernel;
    private final int vpFd;
    private final int vpIndex;
    private final MemorySegment call;
    private final MemorySegment input;
    private final MemorySegment output;

    VpRegisters(MshvKernel kernel, int vpFd, int vpIndex) {
        this.kernel = kernel;
        this.vpFd = vpFd;
        this.vpIndex = vpIndex;
        Arena arena = Arena.ofAuto(); // freed by the GC with this object, never early
        this.call = arena.allocate(mshv_root_hvcall.layout());
        this.input = arena.allocate(PAGE, PAGE);
        this.output = arena.allocate(PAGE, PAGE);
    }

    /** The values of {@code names}, {@link #VALUE_SIZE} bytes each in that order (a heap copy). */
    MemorySegment read(int... names) throws HypervisorException {
        if (names.length == 0 || names.length > MAX_READ) {
            throw new IllegalArgumentException("reads 1 to " + MAX_READ + " registers at a time: " + names.length);
        }
        header();
        for (int i = 0; i < names.length; i++) {
            input.set(ValueLayout.JAVA_INT, HEADER + 4L * i, names[i]);
        }
        long outputSize = (long) VALUE_SIZE * names.length;
        hypercall(HVCALL_GET_VP_REGISTERS, "HvCallGetVpRegisters", names, HEADER + 4L * names.length, outputSize);
        return MemorySegment.ofArray(new byte[(int) outputSize]).copyFrom(output.asSlice(0, outputSize));
    }

    /** Sets {@code names} to {@code values} ({@link #VALUE_SIZE} bytes each, in that order). */
    void write(int[] names, MemorySegment values) throws HypervisorException {
        if (names.length == 0 || names.length > MAX_WRITE || values.byteSize() != (long) VALUE_SIZE * names.length) {
            throw new IllegalArgumentException("writes 1 to " + MAX_WRITE + " registers of " + VALUE_SIZE
                    + " bytes at a time: " + names.length + " names, " + values.byteSize() + " bytes");
        }
        header();
        for (int i = 0; i < names.length; i++) {
            MemorySegment assoc = input.asSlice(HEADER + ASSOC * i, ASSOC);
            assoc.fill((byte) 0);
            hv_register_assoc.name(assoc, names[i]);
            hv_register_assoc.value_low(assoc, values.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) VALUE_SIZE * i));
            hv_register_assoc.value_high(assoc, values.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) VALUE_SIZE * i + 8));
        }
        hypercall(HVCALL_SET_VP_REGISTERS, "HvCallSetVpRegisters", names, HEADER + ASSOC * names.length, 0);
    }

    private void header() {
        input.asSlice(0, HEADER).fill((byte) 0);
        hv_input_get_vp_registers.vp_index(input, vpIndex); // partition id: the kernel's; VTL 0: the current
    }

    private void hypercall(int code, String name, int[] names, long inputSize, long outputSize)
            throws HypervisorException {
        call.fill((byte) 0);
        mshv_root_hvcall.code(call, (short) code);
        mshv_root_hvcall.reps(call, (short) names.length);
        mshv_root_hvcall.in_sz(call, (short) inputSize);
        mshv_root_hvcall.out_sz(call, (short) outputSize);
        mshv_root_hvcall.in_ptr(call, input.address());
        mshv_root_hvcall.out_ptr(call, outputSize == 0 ? 0 : output.address());
        int result = kernel.ioctl(vpFd, MSHV_ROOT_HVCALL, call);
        int status = Short.toUnsignedInt(mshv_root_hvcall.status(call));
        if (result < 0 || status != HV_STATUS_SUCCESS) {
            throw new HypervisorException(HypervisorException.Kind.FAILED, name + " of " + names.length
                    + " registers (first 0x" + Integer.toHexString(names[0]) + ") on VP " + vpIndex + " failed: "
                    + (result < 0 ? NativeFailure.describe(-result) + ", " : "") + "hypervisor status 0x"
                    + Integer.toHexString(status));
        }
        int completed = Short.toUnsignedInt(mshv_root_hvcall.reps(call));
        if (completed != names.length) {
            throw new HypervisorException(HypervisorException.Kind.FAILED, name + " on VP " + vpIndex + " completed "
                    + completed + " of " + names.length + " registers");
        }
    }
}
