package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct mshv_create_partition} of {@code <linux/mshv.h>}: the arguments of {@code MSHV_CREATE_PARTITION}. */
public final class mshv_create_partition {

    private mshv_create_partition() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("pt_flags"),
            JAVA_LONG.withName("pt_isolation")
    ).withName("mshv_create_partition");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long pt_flags$OFFSET = $LAYOUT.byteOffset(groupElement("pt_flags"));

    public static long pt_flags(MemorySegment struct) {
        return struct.get(JAVA_LONG, pt_flags$OFFSET);
    }

    public static void pt_flags(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, pt_flags$OFFSET, fieldValue);
    }

    public static final long pt_isolation$OFFSET = $LAYOUT.byteOffset(groupElement("pt_isolation"));

    public static long pt_isolation(MemorySegment struct) {
        return struct.get(JAVA_LONG, pt_isolation$OFFSET);
    }

    public static void pt_isolation(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, pt_isolation$OFFSET, fieldValue);
    }
}
