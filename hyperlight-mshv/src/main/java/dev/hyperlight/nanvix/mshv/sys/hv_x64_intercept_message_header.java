package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_X64_INTERCEPT_MESSAGE_HEADER}, packed, at the start of every x64 intercept message payload. */
public final class hv_x64_intercept_message_header {

    private hv_x64_intercept_message_header() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT_UNALIGNED.withName("vp_index"),
            JAVA_BYTE.withName("instruction_length_cr8"),
            JAVA_BYTE.withName("intercept_access_type"),
            JAVA_SHORT_UNALIGNED.withName("execution_state"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("cs_segment"),
            JAVA_LONG_UNALIGNED.withName("rip"),
            JAVA_LONG_UNALIGNED.withName("rflags")
    ).withName("hv_x64_intercept_message_header");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long vp_index$OFFSET = $LAYOUT.byteOffset(groupElement("vp_index"));

    public static int vp_index(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, vp_index$OFFSET);
    }

    public static void vp_index(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, vp_index$OFFSET, fieldValue);
    }

    public static final long instruction_length_cr8$OFFSET = $LAYOUT.byteOffset(groupElement("instruction_length_cr8"));

    public static byte instruction_length_cr8(MemorySegment struct) {
        return struct.get(JAVA_BYTE, instruction_length_cr8$OFFSET);
    }

    public static void instruction_length_cr8(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, instruction_length_cr8$OFFSET, fieldValue);
    }

    public static final long intercept_access_type$OFFSET = $LAYOUT.byteOffset(groupElement("intercept_access_type"));

    public static byte intercept_access_type(MemorySegment struct) {
        return struct.get(JAVA_BYTE, intercept_access_type$OFFSET);
    }

    public static void intercept_access_type(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, intercept_access_type$OFFSET, fieldValue);
    }

    public static final long execution_state$OFFSET = $LAYOUT.byteOffset(groupElement("execution_state"));

    public static short execution_state(MemorySegment struct) {
        return struct.get(JAVA_SHORT_UNALIGNED, execution_state$OFFSET);
    }

    public static void execution_state(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT_UNALIGNED, execution_state$OFFSET, fieldValue);
    }

    public static final long cs_segment$OFFSET = $LAYOUT.byteOffset(groupElement("cs_segment"));

    public static MemorySegment cs_segment(MemorySegment struct) {
        return struct.asSlice(cs_segment$OFFSET, $LAYOUT.select(groupElement("cs_segment")).byteSize());
    }

    public static final long rip$OFFSET = $LAYOUT.byteOffset(groupElement("rip"));

    public static long rip(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, rip$OFFSET);
    }

    public static void rip(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, rip$OFFSET, fieldValue);
    }

    public static final long rflags$OFFSET = $LAYOUT.byteOffset(groupElement("rflags"));

    public static long rflags(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, rflags$OFFSET);
    }

    public static void rflags(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, rflags$OFFSET, fieldValue);
    }
}
