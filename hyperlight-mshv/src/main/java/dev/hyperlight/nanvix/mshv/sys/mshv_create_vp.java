package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct mshv_create_vp} of {@code <linux/mshv.h>}. */
public final class mshv_create_vp {

    private mshv_create_vp() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("vp_index")
    ).withName("mshv_create_vp");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long vp_index$OFFSET = $LAYOUT.byteOffset(groupElement("vp_index"));

    public static int vp_index(MemorySegment struct) {
        return struct.get(JAVA_INT, vp_index$OFFSET);
    }

    public static void vp_index(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, vp_index$OFFSET, fieldValue);
    }
}
