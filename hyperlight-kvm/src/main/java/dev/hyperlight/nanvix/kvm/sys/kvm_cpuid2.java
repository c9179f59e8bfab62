package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_cpuid2} of {@code <asm/kvm.h>}: the header before a flexible array of {@link kvm_cpuid_entry2}. */
public final class kvm_cpuid2 {

    private kvm_cpuid2() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nent"),
            JAVA_INT.withName("padding")
    ).withName("kvm_cpuid2");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long nent$OFFSET = $LAYOUT.byteOffset(groupElement("nent"));
    public static final long padding$OFFSET = $LAYOUT.byteOffset(groupElement("padding"));

    public static int nent(MemorySegment struct) {
        return struct.get(JAVA_INT, nent$OFFSET);
    }

    public static void nent(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, nent$OFFSET, fieldValue);
    }

    public static int padding(MemorySegment struct) {
        return struct.get(JAVA_INT, padding$OFFSET);
    }

    public static void padding(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, padding$OFFSET, fieldValue);
    }
}
