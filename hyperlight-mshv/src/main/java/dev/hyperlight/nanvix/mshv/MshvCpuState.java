package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hypervisor.CpuState;
import java.util.Arrays;

/**
 * A VP's state for a VM fork: TLFS register names with their 16-byte values (special registers
 * first, so that modes and EFER are set before what depends on them), and the XSAVE area as {@code
 * MSHV_GET_VP_STATE} returned it. Arrays are copied in and out.
 */
record MshvCpuState(int[] names, byte[] values, byte[] xsave) implements CpuState {

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
