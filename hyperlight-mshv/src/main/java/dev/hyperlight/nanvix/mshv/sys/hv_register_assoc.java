package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_REGISTER_ASSOC}: a register name and its 128-bit value, an element of {@code HvCallSetVpRegisters}' input list. */
public final class hv_register_assoc {

    private hv_register_assoc() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT_UNALIGNED.withName("name"),
            JAVA_INT_UNALIGNED.withName("reserved1"),
            JAVA_LONG_UNALIGNED.withName("reserved2"),
            JAVA_LONG_UNALIGNED.withName("value_low"),
            JAVA_LONG_UNALIGNED.withName("value_high")
    ).withName("hv_register_assoc");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long name$OFFSET = $LAYOUT.byteOffset(groupElement("name"));

    public static int name(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, name$OFFSET);
    }

    public static void name(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, name$OFFSET, fieldValue);
    }

    public static final long reserved1$OFFSET = $LAYOUT.byteOffset(groupElement("reserved1"));

    public static int reserved1(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, reserved1$OFFSET);
    }

    public static void reserved1(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, reserved1$OFFSET, fieldValue);
    }

    public static final long reserved2$OFFSET = $LAYOUT.byteOffset(groupElement("reserved2"));

    public static long reserved2(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, reserved2$OFFSET);
    }

    public static void reserved2(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, reserved2$OFFSET, fieldValue);
    }

    public static final long value_low$OFFSET = $LAYOUT.byteOffset(groupElement("value_low"));

    public static long value_low(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, value_low$OFFSET);
    }

    public static void value_low(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, value_low$OFFSET, fieldValue);
    }

    public static final long value_high$OFFSET = $LAYOUT.byteOffset(groupElement("value_high"));

    public static long value_high(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, value_high$OFFSET);
    }

    public static void value_high(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, value_high$OFFSET, fieldValue);
    }
}
