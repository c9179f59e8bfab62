package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_X64_SEGMENT_REGISTER}: base, limit, selector and packed attributes. */
public final class hv_x64_segment_register {

    private hv_x64_segment_register() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG_UNALIGNED.withName("base"),
            JAVA_INT_UNALIGNED.withName("limit"),
            JAVA_SHORT_UNALIGNED.withName("selector"),
            JAVA_SHORT_UNALIGNED.withName("attributes")
    ).withName("hv_x64_segment_register");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long base$OFFSET = $LAYOUT.byteOffset(groupElement("base"));

    public static long base(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, base$OFFSET);
    }

    public static void base(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, base$OFFSET, fieldValue);
    }

    public static final long limit$OFFSET = $LAYOUT.byteOffset(groupElement("limit"));

    public static int limit(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, limit$OFFSET);
    }

    public static void limit(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, limit$OFFSET, fieldValue);
    }

    public static final long selector$OFFSET = $LAYOUT.byteOffset(groupElement("selector"));

    public static short selector(MemorySegment struct) {
        return struct.get(JAVA_SHORT_UNALIGNED, selector$OFFSET);
    }

    public static void selector(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT_UNALIGNED, selector$OFFSET, fieldValue);
    }

    public static final long attributes$OFFSET = $LAYOUT.byteOffset(groupElement("attributes"));

    public static short attributes(MemorySegment struct) {
        return struct.get(JAVA_SHORT_UNALIGNED, attributes$OFFSET);
    }

    public static void attributes(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT_UNALIGNED, attributes$OFFSET, fieldValue);
    }
}
