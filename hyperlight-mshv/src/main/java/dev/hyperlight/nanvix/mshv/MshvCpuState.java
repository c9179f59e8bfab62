package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hypervisor.CpuState;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A VP's state for a VM fork or a snapshot: TLFS register names with their 16-byte values (special
 * registers first, so that modes and EFER are set before what depends on them), and the XSAVE area
 * as {@code MSHV_GET_VP_STATE} returned it. Arrays are copied in and out.
 */
record MshvCpuState(int[] names, byte[] values, byte[] xsave) implements CpuState {

    private static final byte ENCODING_VERSION = 1;
    /** The most XSAVE bytes a state may hold: what {@link MshvVirtualCpu} reads at most. */
    static final int MAX_XSAVE = MshvVirtualCpu.MAX_XSAVE_PAGES * MshvVirtualCpu.STATE_PAGE;

    MshvCpuState {
        if (values.length != names.length * VpRegisters.VALUE_SIZE) {
            throw new IllegalArgumentException(names.length + " registers need " + names.length
                    * VpRegisters.VALUE_SIZE + " bytes of values, not " + values.length);
        }
        names = names.clone();
        values = values.clone();
        xsave = xsave.clone();
    }

    @Override
    public int[] names() {
        return names.clone();
    }

    @Override
    public byte[] values() {
        return values.clone();
    }

    @Override
    public byte[] xsave() {
        return xsave.clone();
    }

    /**
     * The bytes of a snapshot file's CPU-state section: a version, the register names, their
     * values, the XSAVE area, each length-prefixed.
     */
    byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + 4 * names.length + 4 + values.length + 4 + xsave.length);
        out.put(ENCODING_VERSION).putInt(names.length);
        for (int name : names) {
            out.putInt(name);
        }
        out.putInt(values.length).put(values).putInt(xsave.length).put(xsave);
        return out.array();
    }

    /**
     * Decodes {@link #encode()}'s bytes, from an untrusted file: the names must be exactly those
     * {@link MshvVirtualCpu#saveState()} saves, in its order (so a file can set no other register),
     * with 16 bytes of value each, and the XSAVE area must be non-empty and at most {@link
     * #MAX_XSAVE} bytes. The values themselves are the guest's, which the hypervisor checks when
     * they are set (a value it refuses fails the clone).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static MshvCpuState decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (in.get() != ENCODING_VERSION) {
                throw new IllegalArgumentException("unknown CPU state encoding " + bytes[0]);
            }
            int[] expected = MshvVirtualCpu.SAVED_REGISTERS;
            int count = in.getInt();
            if (count != expected.length) {
                throw new IllegalArgumentException(count + " registers, a snapshot saves " + expected.length);
            }
            int[] names = new int[count];
            for (int i = 0; i < count; i++) {
                names[i] = in.getInt();
            }
            if (!Arrays.equals(names, expected)) {
                throw new IllegalArgumentException("registers other than those a snapshot saves, or in another order");
            }
            int valuesLength = in.getInt();
            if (valuesLength != count * VpRegisters.VALUE_SIZE) {
                throw new IllegalArgumentException(valuesLength + " bytes of register values, expected "
                        + count * VpRegisters.VALUE_SIZE);
            }
            byte[] values = new byte[valuesLength];
            in.get(values);
            int xsaveLength = in.getInt();
            if (xsaveLength <= 0 || xsaveLength > MAX_XSAVE) {
                throw new IllegalArgumentException("an XSAVE area of " + xsaveLength + " bytes, expected 1 to " + MAX_XSAVE);
            }
            byte[] xsave = new byte[xsaveLength];
            in.get(xsave);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the CPU state");
            }
            return new MshvCpuState(names, values, xsave);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the CPU state ends early", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MshvCpuState state && Arrays.equals(names, state.names)
                && Arrays.equals(values, state.values) && Arrays.equals(xsave, state.xsave);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(names) + Arrays.hashCode(values)) + Arrays.hashCode(xsave);
    }

    @Override
    public String toString() {
        return "MshvCpuState[" + names.length + " registers, " + xsave.length + " bytes of XSAVE]";
    }
}
