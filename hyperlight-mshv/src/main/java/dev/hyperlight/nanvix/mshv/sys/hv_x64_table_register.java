package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_X64_TABLE_REGISTER} (GDTR, IDTR). */
public final class hv_x64_table_register {

    private hv_x64_table_register() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("pad"),
            JAVA_SHORT_UNALIGNED.withName("limit"),
            JAVA_LONG_UNALIGNED.withName("base")
    ).withName("hv_x64_table_register");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long pad$OFFSET = $LAYOUT.byteOffset(groupElement("pad"));

    public static MemorySegment pad(MemorySegment struct) {
        return struct.asSlice(pad$OFFSET, $LAYOUT.select(groupElement("pad")).byteSize());
    }

    public static final long limit$OFFSET = $LAYOUT.byteOffset(groupElement("limit"));

    public static short limit(MemorySegment struct) {
        return struct.get(JAVA_SHORT_UNALIGNED, limit$OFFSET);
    }

    public static void limit(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT_UNALIGNED, limit$OFFSET, fieldValue);
    }

    public static final long base$OFFSET = $LAYOUT.byteOffset(groupElement("base"));

    public static long base(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, base$OFFSET);
    }

    public static void base(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, base$OFFSET, fieldValue);
    }
}
