package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_sync_regs} of {@code <asm/kvm.h>} (x86): registers KVM copies into {@code kvm_run} at each exit ({@code KVM_CAP_SYNC_REGS}). */
public final class kvm_sync_regs {

    private kvm_sync_regs() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            kvm_regs.layout().withName("regs"),
            kvm_sregs.layout().withName("sregs"),
            MemoryLayout.sequenceLayout(64, JAVA_BYTE).withName("events")
    ).withName("kvm_sync_regs");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long regs$OFFSET = $LAYOUT.byteOffset(groupElement("regs"));
    public static final long sregs$OFFSET = $LAYOUT.byteOffset(groupElement("sregs"));
    public static final long events$OFFSET = $LAYOUT.byteOffset(groupElement("events"));

    public static MemorySegment regs(MemorySegment struct) {
        return struct.asSlice(regs$OFFSET, $LAYOUT.select(groupElement("regs")).byteSize());
    }

    public static MemorySegment sregs(MemorySegment struct) {
        return struct.asSlice(sregs$OFFSET, $LAYOUT.select(groupElement("sregs")).byteSize());
    }

    public static MemorySegment events(MemorySegment struct) {
        return struct.asSlice(events$OFFSET, $LAYOUT.select(groupElement("events")).byteSize());
    }
}
