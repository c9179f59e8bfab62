package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.KVM_XCRS_SIZE;
import static dev.hyperlight.nanvix.kvm.sys.kvm_h.KVM_XSAVE_SIZE;

import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_sregs;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A KVM vCPU's state as the KVM structures hold it: {@code kvm_regs}, {@code kvm_sregs}, {@code
 * kvm_xsave}, {@code kvm_xcrs} (empty when KVM has none) and the MSRs KVM let us read.
 */
record KvmCpuState(byte[] regs, byte[] sregs, byte[] xsave, byte[] xcrs, int[] msrIndices, long[] msrValues)
        implements CpuState {

    static final int IA32_TSC = 0x10;
    private static final byte ENCODING_VERSION = 1;

    /**
     * This state with the guest's TSC moved on by {@code elapsed} at {@code tscKhz}: a clone made
     * that long after its snapshot then reads the TSC the snapshot's VM would read now, and the
     * guest kernel's clocks (the TSC since boot, from the real time at boot) read the real time.
     */
    KvmCpuState withTscAdvancedBy(Duration elapsed, long tscKhz) {
        long millis = Math.max(0, elapsed.toMillis());
        long nanos = elapsed.isNegative() ? 0 : elapsed.toNanosPart() % 1_000_000;
        long[] values = msrValues.clone();
        for (int i = 0; i < msrIndices.length; i++) {
            if (msrIndices[i] == IA32_TSC) {
                try { // kHz x ms = cycles; saturates where a century at GHz would overflow
                    long cycles = Math.addExact(Math.multiplyExact(millis, tscKhz), nanos * tscKhz / 1_000_000);
                    values[i] = Math.addExact(values[i], cycles);
                } catch (ArithmeticException overflow) {
                    values[i] = Long.MAX_VALUE;
                }
            }
        }
        return new KvmCpuState(regs, sregs, xsave, xcrs, msrIndices, values);
    }

    /** The saved TSC, or -1 when KVM did not let us read it. */
    long tsc() {
        for (int i = 0; i < msrIndices.length; i++) {
            if (msrIndices[i] == IA32_TSC) {
                return msrValues[i];
            }
        }
        return -1;
    }

    /** The bytes of a snapshot file's CPU-state section: a version, then each part length-prefixed. */
    byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(1 + 4 * 5 + regs.length + sregs.length + xsave.length + xcrs.length
                + msrIndices.length * (4 + 8));
        out.put(ENCODING_VERSION);
        for (byte[] part : new byte[][] {regs, sregs, xsave, xcrs}) {
            out.putInt(part.length).put(part);
        }
        out.putInt(msrIndices.length);
        for (int i = 0; i < msrIndices.length; i++) {
            out.putInt(msrIndices[i]).putLong(msrValues[i]);
        }
        return out.array();
    }

    /**
     * Decodes {@link #encode()}'s bytes, from an untrusted file: each part must have the size of
     * its KVM structure, and only the MSRs {@link KvmVirtualCpu#saveState} reads may appear, once.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static KvmCpuState decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (in.get() != ENCODING_VERSION) {
                throw new IllegalArgumentException("unknown CPU state encoding " + bytes[0]);
            }
            byte[] regs = part(in, "kvm_regs", kvm_regs.layout().byteSize(), false);
            byte[] sregs = part(in, "kvm_sregs", kvm_sregs.layout().byteSize(), false);
            byte[] xsave = part(in, "kvm_xsave", KVM_XSAVE_SIZE, false);
            byte[] xcrs = part(in, "kvm_xcrs", KVM_XCRS_SIZE, true);
            int count = in.getInt();
            if (count < 0 || count > KvmVirtualCpu.SAVED_MSRS.length) {
                throw new IllegalArgumentException(count + " MSRs, at most " + KvmVirtualCpu.SAVED_MSRS.length);
            }
            int[] indices = new int[count];
            long[] values = new long[count];
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < count; i++) {
                int index = in.getInt();
                if (Arrays.stream(KvmVirtualCpu.SAVED_MSRS).noneMatch(msr -> msr == index) || !seen.add(index)) {
                    throw new IllegalArgumentException("MSR 0x" + Integer.toHexString(index)
                            + " is not one a snapshot saves, or appears twice");
                }
                indices[i] = index;
                values[i] = in.getLong();
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the CPU state");
            }
            return new KvmCpuState(regs, sregs, xsave, xcrs, indices, values);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the CPU state ends early", e);
        }
    }

    private static byte[] part(ByteBuffer in, String name, long size, boolean mayBeEmpty) {
        int length = in.getInt();
        if (length != size && !(mayBeEmpty && length == 0)) {
            throw new IllegalArgumentException(name + " of " + length + " bytes, expected " + size);
        }
        byte[] part = new byte[length];
        in.get(part);
        return part;
    }
}
