package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_msrs} of {@code <asm/kvm.h>}: the header before a flexible array of {@link kvm_msr_entry}. */
public final class kvm_msrs {

    private kvm_msrs() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nmsrs"),
            JAVA_INT.withName("pad")
    ).withName("kvm_msrs");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long nmsrs$OFFSET = $LAYOUT.byteOffset(groupElement("nmsrs"));
    public static final long pad$OFFSET = $LAYOUT.byteOffset(groupElement("pad"));

    public static int nmsrs(MemorySegment struct) {
        return struct.get(JAVA_INT, nmsrs$OFFSET);
    }

    public static void nmsrs(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, nmsrs$OFFSET, fieldValue);
    }

    public static int pad(MemorySegment struct) {
        return struct.get(JAVA_INT, pad$OFFSET);
    }

    public static void pad(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, pad$OFFSET, fieldValue);
    }
}
