package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_sregs} of {@code <asm/kvm.h>} (x86): segment, descriptor-table and control registers. */
public final class kvm_sregs {

    private kvm_sregs() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            kvm_segment.layout().withName("cs"),
            kvm_segment.layout().withName("ds"),
            kvm_segment.layout().withName("es"),
            kvm_segment.layout().withName("fs"),
            kvm_segment.layout().withName("gs"),
            kvm_segment.layout().withName("ss"),
            kvm_segment.layout().withName("tr"),
            kvm_segment.layout().withName("ldt"),
            kvm_dtable.layout().withName("gdt"),
            kvm_dtable.layout().withName("idt"),
            JAVA_LONG.withName("cr0"),
            JAVA_LONG.withName("cr2"),
            JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap")
    ).withName("kvm_sregs");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long cs$OFFSET = $LAYOUT.byteOffset(groupElement("cs"));
    public static final long ds$OFFSET = $LAYOUT.byteOffset(groupElement("ds"));
    public static final long es$OFFSET = $LAYOUT.byteOffset(groupElement("es"));
    public static final long fs$OFFSET = $LAYOUT.byteOffset(groupElement("fs"));
    public static final long gs$OFFSET = $LAYOUT.byteOffset(groupElement("gs"));
    public static final long ss$OFFSET = $LAYOUT.byteOffset(groupElement("ss"));
    public static final long tr$OFFSET = $LAYOUT.byteOffset(groupElement("tr"));
    public static final long ldt$OFFSET = $LAYOUT.byteOffset(groupElement("ldt"));
    public static final long gdt$OFFSET = $LAYOUT.byteOffset(groupElement("gdt"));
    public static final long idt$OFFSET = $LAYOUT.byteOffset(groupElement("idt"));
    public static final long cr0$OFFSET = $LAYOUT.byteOffset(groupElement("cr0"));
    public static final long cr2$OFFSET = $LAYOUT.byteOffset(groupElement("cr2"));
    public static final long cr3$OFFSET = $LAYOUT.byteOffset(groupElement("cr3"));
    public static final long cr4$OFFSET = $LAYOUT.byteOffset(groupElement("cr4"));
    public static final long cr8$OFFSET = $LAYOUT.byteOffset(groupElement("cr8"));
    public static final long efer$OFFSET = $LAYOUT.byteOffset(groupElement("efer"));
    public static final long apic_base$OFFSET = $LAYOUT.byteOffset(groupElement("apic_base"));
    public static final long interrupt_bitmap$OFFSET = $LAYOUT.byteOffset(groupElement("interrupt_bitmap"));

    public static MemorySegment cs(MemorySegment struct) {
        return struct.asSlice(cs$OFFSET, $LAYOUT.select(groupElement("cs")).byteSize());
    }

    public static MemorySegment ds(MemorySegment struct) {
        return struct.asSlice(ds$OFFSET, $LAYOUT.select(groupElement("ds")).byteSize());
    }

    public static MemorySegment es(MemorySegment struct) {
        return struct.asSlice(es$OFFSET, $LAYOUT.select(groupElement("es")).byteSize());
    }

    public static MemorySegment fs(MemorySegment struct) {
        return struct.asSlice(fs$OFFSET, $LAYOUT.select(groupElement("fs")).byteSize());
    }

    public static MemorySegment gs(MemorySegment struct) {
        return struct.asSlice(gs$OFFSET, $LAYOUT.select(groupElement("gs")).byteSize());
    }

    public static MemorySegment ss(MemorySegment struct) {
        return struct.asSlice(ss$OFFSET, $LAYOUT.select(groupElement("ss")).byteSize());
    }

    public static MemorySegment tr(MemorySegment struct) {
        return struct.asSlice(tr$OFFSET, $LAYOUT.select(groupElement("tr")).byteSize());
    }

    public static MemorySegment ldt(MemorySegment struct) {
        return struct.asSlice(ldt$OFFSET, $LAYOUT.select(groupElement("ldt")).byteSize());
    }

    public static MemorySegment gdt(MemorySegment struct) {
        return struct.asSlice(gdt$OFFSET, $LAYOUT.select(groupElement("gdt")).byteSize());
    }

    public static MemorySegment idt(MemorySegment struct) {
        return struct.asSlice(idt$OFFSET, $LAYOUT.select(groupElement("idt")).byteSize());
    }

    public static long cr0(MemorySegment struct) {
        return struct.get(JAVA_LONG, cr0$OFFSET);
    }

    public static void cr0(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, cr0$OFFSET, fieldValue);
    }

    public static long cr2(MemorySegment struct) {
        return struct.get(JAVA_LONG, cr2$OFFSET);
    }

    public static void cr2(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, cr2$OFFSET, fieldValue);
    }

    public static long cr3(MemorySegment struct) {
        return struct.get(JAVA_LONG, cr3$OFFSET);
    }

    public static void cr3(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, cr3$OFFSET, fieldValue);
    }

    public static long cr4(MemorySegment struct) {
        return struct.get(JAVA_LONG, cr4$OFFSET);
    }

    public static void cr4(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, cr4$OFFSET, fieldValue);
    }

    public static long cr8(MemorySegment struct) {
        return struct.get(JAVA_LONG, cr8$OFFSET);
    }

    public static void cr8(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, cr8$OFFSET, fieldValue);
    }

    public static long efer(MemorySegment struct) {
        return struct.get(JAVA_LONG, efer$OFFSET);
    }

    public static void efer(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, efer$OFFSET, fieldValue);
    }

    public static long apic_base(MemorySegment struct) {
        return struct.get(JAVA_LONG, apic_base$OFFSET);
    }

    public static void apic_base(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, apic_base$OFFSET, fieldValue);
    }

    public static MemorySegment interrupt_bitmap(MemorySegment struct) {
        return struct.asSlice(interrupt_bitmap$OFFSET, $LAYOUT.select(groupElement("interrupt_bitmap")).byteSize());
    }
}
