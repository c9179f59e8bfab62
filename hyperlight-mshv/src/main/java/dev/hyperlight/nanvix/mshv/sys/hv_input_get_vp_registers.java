package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_INPUT_GET_VP_REGISTERS} header of {@code HvCallGetVpRegisters} and {@code HvCallSetVpRegisters}, followed by the rep list (register names, or {@code hv_register_assoc}s aligned to 16 bytes). */
public final class hv_input_get_vp_registers {

    private hv_input_get_vp_registers() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG_UNALIGNED.withName("partition_id"),
            JAVA_INT_UNALIGNED.withName("vp_index"),
            JAVA_BYTE.withName("input_vtl"),
            MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("rsvd")
    ).withName("hv_input_get_vp_registers");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long partition_id$OFFSET = $LAYOUT.byteOffset(groupElement("partition_id"));

    public static long partition_id(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, partition_id$OFFSET);
    }

    public static void partition_id(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, partition_id$OFFSET, fieldValue);
    }

    public static final long vp_index$OFFSET = $LAYOUT.byteOffset(groupElement("vp_index"));

    public static int vp_index(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, vp_index$OFFSET);
    }

    public static void vp_index(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, vp_index$OFFSET, fieldValue);
    }

    public static final long input_vtl$OFFSET = $LAYOUT.byteOffset(groupElement("input_vtl"));

    public static byte input_vtl(MemorySegment struct) {
        return struct.get(JAVA_BYTE, input_vtl$OFFSET);
    }

    public static void input_vtl(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, input_vtl$OFFSET, fieldValue);
    }

    public static final long rsvd$OFFSET = $LAYOUT.byteOffset(groupElement("rsvd"));

    public static MemorySegment rsvd(MemorySegment struct) {
        return struct.asSlice(rsvd$OFFSET, $LAYOUT.select(groupElement("rsvd")).byteSize());
    }
}
