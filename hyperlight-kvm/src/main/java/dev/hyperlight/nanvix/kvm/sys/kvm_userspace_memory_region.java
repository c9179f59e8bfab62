package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_userspace_memory_region} of {@code <linux/kvm.h>}: one guest memory slot. */
public final class kvm_userspace_memory_region {

    private kvm_userspace_memory_region() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr")
    ).withName("kvm_userspace_memory_region");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long slot$OFFSET = $LAYOUT.byteOffset(groupElement("slot"));
    public static final long flags$OFFSET = $LAYOUT.byteOffset(groupElement("flags"));
    public static final long guest_phys_addr$OFFSET = $LAYOUT.byteOffset(groupElement("guest_phys_addr"));
    public static final long memory_size$OFFSET = $LAYOUT.byteOffset(groupElement("memory_size"));
    public static final long userspace_addr$OFFSET = $LAYOUT.byteOffset(groupElement("userspace_addr"));

    public static int slot(MemorySegment struct) {
        return struct.get(JAVA_INT, slot$OFFSET);
    }

    public static void slot(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, slot$OFFSET, fieldValue);
    }

    public static int flags(MemorySegment struct) {
        return struct.get(JAVA_INT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, flags$OFFSET, fieldValue);
    }

    public static long guest_phys_addr(MemorySegment struct) {
        return struct.get(JAVA_LONG, guest_phys_addr$OFFSET);
    }

    public static void guest_phys_addr(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, guest_phys_addr$OFFSET, fieldValue);
    }

    public static long memory_size(MemorySegment struct) {
        return struct.get(JAVA_LONG, memory_size$OFFSET);
    }

    public static void memory_size(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, memory_size$OFFSET, fieldValue);
    }

    public static long userspace_addr(MemorySegment struct) {
        return struct.get(JAVA_LONG, userspace_addr$OFFSET);
    }

    public static void userspace_addr(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, userspace_addr$OFFSET, fieldValue);
    }
}
