package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_msr_entry} of {@code <asm/kvm.h>}: one model-specific register. */
public final class kvm_msr_entry {

    private kvm_msr_entry() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("index"),
            JAVA_INT.withName("reserved"),
            JAVA_LONG.withName("data")
    ).withName("kvm_msr_entry");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long index$OFFSET = $LAYOUT.byteOffset(groupElement("index"));
    public static final long reserved$OFFSET = $LAYOUT.byteOffset(groupElement("reserved"));
    public static final long data$OFFSET = $LAYOUT.byteOffset(groupElement("data"));

    public static int index(MemorySegment struct) {
        return struct.get(JAVA_INT, index$OFFSET);
    }

    public static void index(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, index$OFFSET, fieldValue);
    }

    public static int reserved(MemorySegment struct) {
        return struct.get(JAVA_INT, reserved$OFFSET);
    }

    public static void reserved(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, reserved$OFFSET, fieldValue);
    }

    public static long data(MemorySegment struct) {
        return struct.get(JAVA_LONG, data$OFFSET);
    }

    public static void data(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, data$OFFSET, fieldValue);
    }
}
