package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct mshv_get_set_vp_state} of {@code <linux/mshv.h>}: arguments of {@code MSHV_GET_VP_STATE} and {@code MSHV_SET_VP_STATE}. */
public final class mshv_get_set_vp_state {

    private mshv_get_set_vp_state() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("type"),
            MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("rsvd"),
            JAVA_INT.withName("buf_sz"),
            JAVA_LONG.withName("buf_ptr")
    ).withName("mshv_get_set_vp_state");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long type$OFFSET = $LAYOUT.byteOffset(groupElement("type"));

    public static byte type(MemorySegment struct) {
        return struct.get(JAVA_BYTE, type$OFFSET);
    }

    public static void type(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, type$OFFSET, fieldValue);
    }

    public static final long rsvd$OFFSET = $LAYOUT.byteOffset(groupElement("rsvd"));

    public static MemorySegment rsvd(MemorySegment struct) {
        return struct.asSlice(rsvd$OFFSET, $LAYOUT.select(groupElement("rsvd")).byteSize());
    }

    public static final long buf_sz$OFFSET = $LAYOUT.byteOffset(groupElement("buf_sz"));

    public static int buf_sz(MemorySegment struct) {
        return struct.get(JAVA_INT, buf_sz$OFFSET);
    }

    public static void buf_sz(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, buf_sz$OFFSET, fieldValue);
    }

    public static final long buf_ptr$OFFSET = $LAYOUT.byteOffset(groupElement("buf_ptr"));

    public static long buf_ptr(MemorySegment struct) {
        return struct.get(JAVA_LONG, buf_ptr$OFFSET);
    }

    public static void buf_ptr(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, buf_ptr$OFFSET, fieldValue);
    }
}
