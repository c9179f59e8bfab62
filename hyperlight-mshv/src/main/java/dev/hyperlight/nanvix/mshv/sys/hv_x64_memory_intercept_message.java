package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_X64_MEMORY_INTERCEPT_MESSAGE}, packed: the payload of {@code HVMSG_UNMAPPED_GPA} and {@code HVMSG_GPA_INTERCEPT}. */
public final class hv_x64_memory_intercept_message {

    private hv_x64_memory_intercept_message() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(40, JAVA_BYTE).withName("header"),
            JAVA_INT_UNALIGNED.withName("cache_type"),
            JAVA_BYTE.withName("instruction_byte_count"),
            JAVA_BYTE.withName("memory_access_info"),
            JAVA_BYTE.withName("tpr_priority"),
            JAVA_BYTE.withName("reserved1"),
            JAVA_LONG_UNALIGNED.withName("guest_virtual_address"),
            JAVA_LONG_UNALIGNED.withName("guest_physical_address"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("instruction_bytes")
    ).withName("hv_x64_memory_intercept_message");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long header$OFFSET = $LAYOUT.byteOffset(groupElement("header"));

    public static MemorySegment header(MemorySegment struct) {
        return struct.asSlice(header$OFFSET, $LAYOUT.select(groupElement("header")).byteSize());
    }

    public static final long cache_type$OFFSET = $LAYOUT.byteOffset(groupElement("cache_type"));

    public static int cache_type(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, cache_type$OFFSET);
    }

    public static void cache_type(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, cache_type$OFFSET, fieldValue);
    }

    public static final long instruction_byte_count$OFFSET = $LAYOUT.byteOffset(groupElement("instruction_byte_count"));

    public static byte instruction_byte_count(MemorySegment struct) {
        return struct.get(JAVA_BYTE, instruction_byte_count$OFFSET);
    }

    public static void instruction_byte_count(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, instruction_byte_count$OFFSET, fieldValue);
    }

    public static final long memory_access_info$OFFSET = $LAYOUT.byteOffset(groupElement("memory_access_info"));

    public static byte memory_access_info(MemorySegment struct) {
        return struct.get(JAVA_BYTE, memory_access_info$OFFSET);
    }

    public static void memory_access_info(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, memory_access_info$OFFSET, fieldValue);
    }

    public static final long tpr_priority$OFFSET = $LAYOUT.byteOffset(groupElement("tpr_priority"));

    public static byte tpr_priority(MemorySegment struct) {
        return struct.get(JAVA_BYTE, tpr_priority$OFFSET);
    }

    public static void tpr_priority(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, tpr_priority$OFFSET, fieldValue);
    }

    public static final long reserved1$OFFSET = $LAYOUT.byteOffset(groupElement("reserved1"));

    public static byte reserved1(MemorySegment struct) {
        return struct.get(JAVA_BYTE, reserved1$OFFSET);
    }

    public static void reserved1(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, reserved1$OFFSET, fieldValue);
    }

    public static final long guest_virtual_address$OFFSET = $LAYOUT.byteOffset(groupElement("guest_virtual_address"));

    public static long guest_virtual_address(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, guest_virtual_address$OFFSET);
    }

    public static void guest_virtual_address(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, guest_virtual_address$OFFSET, fieldValue);
    }

    public static final long guest_physical_address$OFFSET = $LAYOUT.byteOffset(groupElement("guest_physical_address"));

    public static long guest_physical_address(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, guest_physical_address$OFFSET);
    }

    public static void guest_physical_address(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, guest_physical_address$OFFSET, fieldValue);
    }

    public static final long instruction_bytes$OFFSET = $LAYOUT.byteOffset(groupElement("instruction_bytes"));

    public static MemorySegment instruction_bytes(MemorySegment struct) {
        return struct.asSlice(instruction_bytes$OFFSET, $LAYOUT.select(groupElement("instruction_bytes")).byteSize());
    }
}
