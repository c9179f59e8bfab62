package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct mshv_user_mem_region} of {@code <linux/mshv.h>}: a guest memory mapping for {@code MSHV_SET_GUEST_MEMORY}. */
public final class mshv_user_mem_region {

    private mshv_user_mem_region() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("guest_pfn"),
            JAVA_LONG.withName("userspace_addr"),
            JAVA_BYTE.withName("flags"),
            MemoryLayout.sequenceLayout(7, JAVA_BYTE).withName("rsvd")
    ).withName("mshv_user_mem_region");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long size$OFFSET = $LAYOUT.byteOffset(groupElement("size"));

    public static long size(MemorySegment struct) {
        return struct.get(JAVA_LONG, size$OFFSET);
    }

    public static void size(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, size$OFFSET, fieldValue);
    }

    public static final long guest_pfn$OFFSET = $LAYOUT.byteOffset(groupElement("guest_pfn"));

    public static long guest_pfn(MemorySegment struct) {
        return struct.get(JAVA_LONG, guest_pfn$OFFSET);
    }

    public static void guest_pfn(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, guest_pfn$OFFSET, fieldValue);
    }

    public static final long userspace_addr$OFFSET = $LAYOUT.byteOffset(groupElement("userspace_addr"));

    public static long userspace_addr(MemorySegment struct) {
        return struct.get(JAVA_LONG, userspace_addr$OFFSET);
    }

    public static void userspace_addr(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, userspace_addr$OFFSET, fieldValue);
    }

    public static final long flags$OFFSET = $LAYOUT.byteOffset(groupElement("flags"));

    public static byte flags(MemorySegment struct) {
        return struct.get(JAVA_BYTE, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, flags$OFFSET, fieldValue);
    }

    public static final long rsvd$OFFSET = $LAYOUT.byteOffset(groupElement("rsvd"));

    public static MemorySegment rsvd(MemorySegment struct) {
        return struct.asSlice(rsvd$OFFSET, $LAYOUT.select(groupElement("rsvd")).byteSize());
    }
}
