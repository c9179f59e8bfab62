package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_run} of {@code <linux/kvm.h>}: the per-vCPU area shared with KVM through
 * {@code mmap} of the vCPU file descriptor. Only the exit kinds this backend decodes are laid out
 * inside the anonymous exit union; the others are covered by its 256-byte padding member.
 * Accessors of union members are named {@code <member>_<field>}.
 */
public final class kvm_run {

    private kvm_run() {}

    private static final GroupLayout IO = MemoryLayout.structLayout(
            JAVA_BYTE.withName("direction"),
            JAVA_BYTE.withName("size"),
            JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"),
            JAVA_LONG.withName("data_offset")
    ).withName("io");

    private static final GroupLayout MMIO = MemoryLayout.structLayout(
            JAVA_LONG.withName("phys_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("data"),
            JAVA_INT.withName("len"),
            JAVA_BYTE.withName("is_write"),
            MemoryLayout.paddingLayout(3)
    ).withName("mmio");

    private static final GroupLayout FAIL_ENTRY = MemoryLayout.structLayout(
            JAVA_LONG.withName("hardware_entry_failure_reason"),
            JAVA_INT.withName("cpu"),
            MemoryLayout.paddingLayout(4)
    ).withName("fail_entry");

    private static final GroupLayout INTERNAL = MemoryLayout.structLayout(
            JAVA_INT.withName("suberror"),
            JAVA_INT.withName("ndata"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")
    ).withName("internal");

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("request_interrupt_window"),
            JAVA_BYTE.withName("immediate_exit"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("padding1"),
            JAVA_INT.withName("exit_reason"),
            JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.unionLayout(
                    IO, MMIO, FAIL_ENTRY, INTERNAL,
                    MemoryLayout.sequenceLayout(256, JAVA_BYTE).withName("padding")
            ).withName("$anon0"),
            JAVA_LONG.withName("kvm_valid_regs"),
            JAVA_LONG.withName("kvm_dirty_regs"),
            MemoryLayout.unionLayout(
                    kvm_sync_regs.layout().withName("regs"),
                    MemoryLayout.sequenceLayout(2048, JAVA_BYTE).withName("padding")
            ).withName("s")
    ).withName("kvm_run");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    private static long offset(String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = groupElement(path[i]);
        }
        return $LAYOUT.byteOffset(elements);
    }

    public static final long immediate_exit$OFFSET = offset("immediate_exit");
    public static final long exit_reason$OFFSET = offset("exit_reason");
    public static final long io_direction$OFFSET = offset("$anon0", "io", "direction");
    public static final long io_size$OFFSET = offset("$anon0", "io", "size");
    public static final long io_port$OFFSET = offset("$anon0", "io", "port");
    public static final long io_count$OFFSET = offset("$anon0", "io", "count");
    public static final long io_data_offset$OFFSET = offset("$anon0", "io", "data_offset");
    public static final long mmio_phys_addr$OFFSET = offset("$anon0", "mmio", "phys_addr");
    public static final long mmio_data$OFFSET = offset("$anon0", "mmio", "data");
    public static final long mmio_len$OFFSET = offset("$anon0", "mmio", "len");
    public static final long mmio_is_write$OFFSET = offset("$anon0", "mmio", "is_write");
    public static final long fail_entry_hardware_entry_failure_reason$OFFSET =
            offset("$anon0", "fail_entry", "hardware_entry_failure_reason");
    public static final long internal_suberror$OFFSET = offset("$anon0", "internal", "suberror");
    public static final long kvm_valid_regs$OFFSET = offset("kvm_valid_regs");
    public static final long kvm_dirty_regs$OFFSET = offset("kvm_dirty_regs");
    public static final long s_regs$OFFSET = offset("s", "regs");

    /** Volatile access: another thread sets it to kick the vCPU out of {@code KVM_RUN}. */
    private static final VarHandle immediate_exit$VH = $LAYOUT.varHandle(groupElement("immediate_exit"));

    public static byte immediate_exit(MemorySegment struct) {
        return (byte) immediate_exit$VH.getVolatile(struct, 0L);
    }

    public static void immediate_exit(MemorySegment struct, byte fieldValue) {
        immediate_exit$VH.setVolatile(struct, 0L, fieldValue);
    }

    public static int exit_reason(MemorySegment struct) {
        return struct.get(JAVA_INT, exit_reason$OFFSET);
    }

    public static byte io_direction(MemorySegment struct) {
        return struct.get(JAVA_BYTE, io_direction$OFFSET);
    }

    public static byte io_size(MemorySegment struct) {
        return struct.get(JAVA_BYTE, io_size$OFFSET);
    }

    public static short io_port(MemorySegment struct) {
        return struct.get(JAVA_SHORT, io_port$OFFSET);
    }

    public static int io_count(MemorySegment struct) {
        return struct.get(JAVA_INT, io_count$OFFSET);
    }

    public static long io_data_offset(MemorySegment struct) {
        return struct.get(JAVA_LONG, io_data_offset$OFFSET);
    }

    public static long mmio_phys_addr(MemorySegment struct) {
        return struct.get(JAVA_LONG, mmio_phys_addr$OFFSET);
    }

    public static MemorySegment mmio_data(MemorySegment struct) {
        return struct.asSlice(mmio_data$OFFSET, 8);
    }

    public static int mmio_len(MemorySegment struct) {
        return struct.get(JAVA_INT, mmio_len$OFFSET);
    }

    public static byte mmio_is_write(MemorySegment struct) {
        return struct.get(JAVA_BYTE, mmio_is_write$OFFSET);
    }

    public static long fail_entry_hardware_entry_failure_reason(MemorySegment struct) {
        return struct.get(JAVA_LONG, fail_entry_hardware_entry_failure_reason$OFFSET);
    }

    public static int internal_suberror(MemorySegment struct) {
        return struct.get(JAVA_INT, internal_suberror$OFFSET);
    }

    public static long kvm_valid_regs(MemorySegment struct) {
        return struct.get(JAVA_LONG, kvm_valid_regs$OFFSET);
    }

    public static void kvm_valid_regs(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, kvm_valid_regs$OFFSET, fieldValue);
    }

    public static void kvm_dirty_regs(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, kvm_dirty_regs$OFFSET, fieldValue);
    }

    /** {@code s.regs}: the {@link kvm_sync_regs} KVM fills at each exit for the kinds in {@code kvm_valid_regs}. */
    public static MemorySegment s_regs(MemorySegment struct) {
        return struct.asSlice(s_regs$OFFSET, kvm_sync_regs.layout().byteSize());
    }
}
