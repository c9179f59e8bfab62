package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_INPUT_SET_PARTITION_PROPERTY} of {@code HvCallSetPartitionProperty}. */
public final class hv_input_set_partition_property {

    private hv_input_set_partition_property() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG_UNALIGNED.withName("partition_id"),
            JAVA_INT_UNALIGNED.withName("property_code"),
            JAVA_INT_UNALIGNED.withName("padding"),
            JAVA_LONG_UNALIGNED.withName("property_value")
    ).withName("hv_input_set_partition_property");

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

    public static final long property_code$OFFSET = $LAYOUT.byteOffset(groupElement("property_code"));

    public static int property_code(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, property_code$OFFSET);
    }

    public static void property_code(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, property_code$OFFSET, fieldValue);
    }

    public static final long padding$OFFSET = $LAYOUT.byteOffset(groupElement("padding"));

    public static int padding(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, padding$OFFSET);
    }

    public static void padding(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, padding$OFFSET, fieldValue);
    }

    public static final long property_value$OFFSET = $LAYOUT.byteOffset(groupElement("property_value"));

    public static long property_value(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, property_value$OFFSET);
    }

    public static void property_value(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, property_value$OFFSET, fieldValue);
    }
}
