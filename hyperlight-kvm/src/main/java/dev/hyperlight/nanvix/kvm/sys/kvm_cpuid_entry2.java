package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_cpuid_entry2} of {@code <asm/kvm.h>}: one CPUID leaf. */
public final class kvm_cpuid_entry2 {

    private kvm_cpuid_entry2() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("function"),
            JAVA_INT.withName("index"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"),
            JAVA_INT.withName("ebx"),
            JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("padding")
    ).withName("kvm_cpuid_entry2");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long function$OFFSET = $LAYOUT.byteOffset(groupElement("function"));
    public static final long index$OFFSET = $LAYOUT.byteOffset(groupElement("index"));
    public static final long flags$OFFSET = $LAYOUT.byteOffset(groupElement("flags"));
    public static final long eax$OFFSET = $LAYOUT.byteOffset(groupElement("eax"));
    public static final long ebx$OFFSET = $LAYOUT.byteOffset(groupElement("ebx"));
    public static final long ecx$OFFSET = $LAYOUT.byteOffset(groupElement("ecx"));
    public static final long edx$OFFSET = $LAYOUT.byteOffset(groupElement("edx"));
    public static final long padding$OFFSET = $LAYOUT.byteOffset(groupElement("padding"));

    public static int function(MemorySegment struct) {
        return struct.get(JAVA_INT, function$OFFSET);
    }

    public static void function(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, function$OFFSET, fieldValue);
    }

    public static int index(MemorySegment struct) {
        return struct.get(JAVA_INT, index$OFFSET);
    }

    public static void index(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, index$OFFSET, fieldValue);
    }

    public static int flags(MemorySegment struct) {
        return struct.get(JAVA_INT, flags$OFFSET);
    }

    public static void flags(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, flags$OFFSET, fieldValue);
    }

    public static int eax(MemorySegment struct) {
        return struct.get(JAVA_INT, eax$OFFSET);
    }

    public static void eax(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, eax$OFFSET, fieldValue);
    }

    public static int ebx(MemorySegment struct) {
        return struct.get(JAVA_INT, ebx$OFFSET);
    }

    public static void ebx(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, ebx$OFFSET, fieldValue);
    }

    public static int ecx(MemorySegment struct) {
        return struct.get(JAVA_INT, ecx$OFFSET);
    }

    public static void ecx(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, ecx$OFFSET, fieldValue);
    }

    public static int edx(MemorySegment struct) {
        return struct.get(JAVA_INT, edx$OFFSET);
    }

    public static void edx(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, edx$OFFSET, fieldValue);
    }

    public static MemorySegment padding(MemorySegment struct) {
        return struct.asSlice(padding$OFFSET, $LAYOUT.select(groupElement("padding")).byteSize());
    }
}
