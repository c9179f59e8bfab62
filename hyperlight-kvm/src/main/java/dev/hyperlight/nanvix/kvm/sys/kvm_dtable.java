package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_dtable} of {@code <linux/kvm.h>}: GDTR or IDTR. */
public final class kvm_dtable {

    private kvm_dtable() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_SHORT.withName("limit"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("padding")
    ).withName("kvm_dtable");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long base$OFFSET = $LAYOUT.byteOffset(groupElement("base"));
    public static final long limit$OFFSET = $LAYOUT.byteOffset(groupElement("limit"));
    public static final long padding$OFFSET = $LAYOUT.byteOffset(groupElement("padding"));

    public static long base(MemorySegment struct) {
        return struct.get(JAVA_LONG, base$OFFSET);
    }

    public static void base(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, base$OFFSET, fieldValue);
    }

    public static short limit(MemorySegment struct) {
        return struct.get(JAVA_SHORT, limit$OFFSET);
    }

    public static void limit(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, limit$OFFSET, fieldValue);
    }

    public static MemorySegment padding(MemorySegment struct) {
        return struct.asSlice(padding$OFFSET, $LAYOUT.select(groupElement("padding")).byteSize());
    }
}
