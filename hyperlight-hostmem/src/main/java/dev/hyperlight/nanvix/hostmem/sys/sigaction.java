package dev.hyperlight.nanvix.hostmem.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct sigaction} of glibc on x86-64 (the C library's layout, not the kernel's). */
public final class sigaction {

    private sigaction() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("sa_handler"),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("sa_mask"),
            JAVA_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("sa_restorer")
    ).withName("sigaction");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long sa_handler$OFFSET = $LAYOUT.byteOffset(groupElement("sa_handler"));
    public static final long sa_mask$OFFSET = $LAYOUT.byteOffset(groupElement("sa_mask"));
    public static final long sa_flags$OFFSET = $LAYOUT.byteOffset(groupElement("sa_flags"));
    public static final long sa_restorer$OFFSET = $LAYOUT.byteOffset(groupElement("sa_restorer"));

    public static MemorySegment sa_handler(MemorySegment struct) {
        return struct.get(ADDRESS, sa_handler$OFFSET);
    }

    public static void sa_handler(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(ADDRESS, sa_handler$OFFSET, fieldValue);
    }

    public static MemorySegment sa_mask(MemorySegment struct) {
        return struct.asSlice(sa_mask$OFFSET, $LAYOUT.select(groupElement("sa_mask")).byteSize());
    }

    public static int sa_flags(MemorySegment struct) {
        return struct.get(JAVA_INT, sa_flags$OFFSET);
    }

    public static void sa_flags(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, sa_flags$OFFSET, fieldValue);
    }

    public static MemorySegment sa_restorer(MemorySegment struct) {
        return struct.get(ADDRESS, sa_restorer$OFFSET);
    }

    public static void sa_restorer(MemorySegment struct, MemorySegment fieldValue) {
        struct.set(ADDRESS, sa_restorer$OFFSET, fieldValue);
    }
}
