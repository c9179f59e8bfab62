package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_X64_IO_PORT_INTERCEPT_MESSAGE}, packed: the payload of {@code HVMSG_X64_IO_PORT_INTERCEPT}. */
public final class hv_x64_io_port_intercept_message {

    private hv_x64_io_port_intercept_message() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(40, JAVA_BYTE).withName("header"),
            JAVA_SHORT_UNALIGNED.withName("port_number"),
            JAVA_BYTE.withName("access_info"),
            JAVA_BYTE.withName("instruction_byte_count"),
            JAVA_INT_UNALIGNED.withName("reserved"),
            JAVA_LONG_UNALIGNED.withName("rax"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("instruction_bytes"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ds_segment"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("es_segment"),
            JAVA_LONG_UNALIGNED.withName("rcx"),
            JAVA_LONG_UNALIGNED.withName("rsi"),
            JAVA_LONG_UNALIGNED.withName("rdi")
    ).withName("hv_x64_io_port_intercept_message");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long header$OFFSET = $LAYOUT.byteOffset(groupElement("header"));

    public static MemorySegment header(MemorySegment struct) {
        return struct.asSlice(header$OFFSET, $LAYOUT.select(groupElement("header")).byteSize());
    }

    public static final long port_number$OFFSET = $LAYOUT.byteOffset(groupElement("port_number"));

    public static short port_number(MemorySegment struct) {
        return struct.get(JAVA_SHORT_UNALIGNED, port_number$OFFSET);
    }

    public static void port_number(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT_UNALIGNED, port_number$OFFSET, fieldValue);
    }

    public static final long access_info$OFFSET = $LAYOUT.byteOffset(groupElement("access_info"));

    public static byte access_info(MemorySegment struct) {
        return struct.get(JAVA_BYTE, access_info$OFFSET);
    }

    public static void access_info(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, access_info$OFFSET, fieldValue);
    }

    public static final long instruction_byte_count$OFFSET = $LAYOUT.byteOffset(groupElement("instruction_byte_count"));

    public static byte instruction_byte_count(MemorySegment struct) {
        return struct.get(JAVA_BYTE, instruction_byte_count$OFFSET);
    }

    public static void instruction_byte_count(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, instruction_byte_count$OFFSET, fieldValue);
    }

    public static final long reserved$OFFSET = $LAYOUT.byteOffset(groupElement("reserved"));

    public static int reserved(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, reserved$OFFSET);
    }

    public static void reserved(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, reserved$OFFSET, fieldValue);
    }

    public static final long rax$OFFSET = $LAYOUT.byteOffset(groupElement("rax"));

    public static long rax(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, rax$OFFSET);
    }

    public static void rax(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, rax$OFFSET, fieldValue);
    }

    public static final long instruction_bytes$OFFSET = $LAYOUT.byteOffset(groupElement("instruction_bytes"));

    public static MemorySegment instruction_bytes(MemorySegment struct) {
        return struct.asSlice(instruction_bytes$OFFSET, $LAYOUT.select(groupElement("instruction_bytes")).byteSize());
    }

    public static final long ds_segment$OFFSET = $LAYOUT.byteOffset(groupElement("ds_segment"));

    public static MemorySegment ds_segment(MemorySegment struct) {
        return struct.asSlice(ds_segment$OFFSET, $LAYOUT.select(groupElement("ds_segment")).byteSize());
    }

    public static final long es_segment$OFFSET = $LAYOUT.byteOffset(groupElement("es_segment"));

    public static MemorySegment es_segment(MemorySegment struct) {
        return struct.asSlice(es_segment$OFFSET, $LAYOUT.select(groupElement("es_segment")).byteSize());
    }

    public static final long rcx$OFFSET = $LAYOUT.byteOffset(groupElement("rcx"));

    public static long rcx(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, rcx$OFFSET);
    }

    public static void rcx(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, rcx$OFFSET, fieldValue);
    }

    public static final long rsi$OFFSET = $LAYOUT.byteOffset(groupElement("rsi"));

    public static long rsi(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, rsi$OFFSET);
    }

    public static void rsi(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, rsi$OFFSET, fieldValue);
    }

    public static final long rdi$OFFSET = $LAYOUT.byteOffset(groupElement("rdi"));

    public static long rdi(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, rdi$OFFSET);
    }

    public static void rdi(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, rdi$OFFSET, fieldValue);
    }
}
