package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct mshv_root_hvcall} of {@code <linux/mshv.h>}: a hypercall passed through {@code MSHV_ROOT_HVCALL}. */
public final class mshv_root_hvcall {

    private mshv_root_hvcall() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"),
            JAVA_SHORT.withName("reps"),
            JAVA_SHORT.withName("in_sz"),
            JAVA_SHORT.withName("out_sz"),
            JAVA_SHORT.withName("status"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("rsvd"),
            JAVA_LONG.withName("in_ptr"),
            JAVA_LONG.withName("out_ptr")
    ).withName("mshv_root_hvcall");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long code$OFFSET = $LAYOUT.byteOffset(groupElement("code"));

    public static short code(MemorySegment struct) {
        return struct.get(JAVA_SHORT, code$OFFSET);
    }

    public static void code(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, code$OFFSET, fieldValue);
    }

    public static final long reps$OFFSET = $LAYOUT.byteOffset(groupElement("reps"));

    public static short reps(MemorySegment struct) {
        return struct.get(JAVA_SHORT, reps$OFFSET);
    }

    public static void reps(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, reps$OFFSET, fieldValue);
    }

    public static final long in_sz$OFFSET = $LAYOUT.byteOffset(groupElement("in_sz"));

    public static short in_sz(MemorySegment struct) {
        return struct.get(JAVA_SHORT, in_sz$OFFSET);
    }

    public static void in_sz(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, in_sz$OFFSET, fieldValue);
    }

    public static final long out_sz$OFFSET = $LAYOUT.byteOffset(groupElement("out_sz"));

    public static short out_sz(MemorySegment struct) {
        return struct.get(JAVA_SHORT, out_sz$OFFSET);
    }

    public static void out_sz(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, out_sz$OFFSET, fieldValue);
    }

    public static final long status$OFFSET = $LAYOUT.byteOffset(groupElement("status"));

    public static short status(MemorySegment struct) {
        return struct.get(JAVA_SHORT, status$OFFSET);
    }

    public static void status(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, status$OFFSET, fieldValue);
    }

    public static final long rsvd$OFFSET = $LAYOUT.byteOffset(groupElement("rsvd"));

    public static MemorySegment rsvd(MemorySegment struct) {
        return struct.asSlice(rsvd$OFFSET, $LAYOUT.select(groupElement("rsvd")).byteSize());
    }

    public static final long in_ptr$OFFSET = $LAYOUT.byteOffset(groupElement("in_ptr"));

    public static long in_ptr(MemorySegment struct) {
        return struct.get(JAVA_LONG, in_ptr$OFFSET);
    }

    public static void in_ptr(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, in_ptr$OFFSET, fieldValue);
    }

    public static final long out_ptr$OFFSET = $LAYOUT.byteOffset(groupElement("out_ptr"));

    public static long out_ptr(MemorySegment struct) {
        return struct.get(JAVA_LONG, out_ptr$OFFSET);
    }

    public static void out_ptr(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, out_ptr$OFFSET, fieldValue);
    }
}
