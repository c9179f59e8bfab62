package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hostmem.layout.LayoutProgram;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid2;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid_entry2;
import dev.hyperlight.nanvix.kvm.sys.kvm_dtable;
import dev.hyperlight.nanvix.kvm.sys.kvm_h;
import dev.hyperlight.nanvix.kvm.sys.kvm_msr_entry;
import dev.hyperlight.nanvix.kvm.sys.kvm_msrs;
import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import dev.hyperlight.nanvix.kvm.sys.kvm_segment;
import dev.hyperlight.nanvix.kvm.sys.kvm_sregs;
import dev.hyperlight.nanvix.kvm.sys.kvm_sync_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_userspace_memory_region;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Compiles {@code src/test/c/kvm_layout.c} against this host's {@code <linux/kvm.h>} and checks
 * that every size, offset, ioctl number and constant it prints is what the Java bindings use, and
 * that the bindings use nothing it does not check. The C library's bindings the backend uses
 * ({@code hostmem.sys}) are checked by hyperlight-hostmem's {@code LibcLayoutTest}.
 */
@Tag("no-vm") // runs without /dev/kvm too (scripts/nested-kvm/run-tests)
class KvmLayoutTest {

    /** The classes of hand-written constants: every one of their constants must be checked here. */
    private static final List<Class<?>> CONSTANT_CLASSES = List.of(kvm_h.class);

    private final Map<String, Long> java = new LinkedHashMap<>();
    /** The Java constants compared, by field name, to tell a forgotten one. */
    private final Set<String> checkedConstants = new HashSet<>();

    @Test
    void bindingsMatchTheCHeaders() throws Exception {
        segmentAndTables();
        registers();
        run();
        memoryCpuidAndMsrs();
        fpuState();
        kvmConstants();

        assertThat(checkedConstants).as("constants of the bindings this test compares with the C headers")
                .containsExactlyInAnyOrderElementsOf(
                        LayoutProgram.constants(CONSTANT_CLASSES).stream().map(Field::getName).toList());
        assertThat(java).containsExactlyInAnyOrderEntriesOf(
                LayoutProgram.output(Path.of("src/test/c/kvm_layout.c"), Path.of("target/kvm_layout")));
    }

    private void segmentAndTables() {
        size("kvm_segment", kvm_segment.layout());
        for (String field : new String[] {"base", "limit", "selector", "type", "present", "dpl", "db", "s", "l",
                "g", "avl", "unusable"}) {
            offset("kvm_segment." + field, kvm_segment.layout(), field);
        }
        size("kvm_dtable", kvm_dtable.layout());
        java.put("offsetof kvm_dtable.base", kvm_dtable.base$OFFSET);
        java.put("offsetof kvm_dtable.limit", kvm_dtable.limit$OFFSET);
    }

    private void registers() {
        size("kvm_regs", kvm_regs.layout());
        for (String field : new String[] {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9",
                "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"}) {
            offset("kvm_regs." + field, kvm_regs.layout(), field);
        }
        size("kvm_sregs", kvm_sregs.layout());
        for (String field : new String[] {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt", "gdt", "idt", "cr0",
                "cr2", "cr3", "cr4", "cr8", "efer", "apic_base", "interrupt_bitmap"}) {
            offset("kvm_sregs." + field, kvm_sregs.layout(), field);
        }
        size("kvm_sync_regs", kvm_sync_regs.layout());
        java.put("offsetof kvm_sync_regs.regs", kvm_sync_regs.regs$OFFSET);
        java.put("offsetof kvm_sync_regs.sregs", kvm_sync_regs.sregs$OFFSET);
        java.put("offsetof kvm_sync_regs.events", kvm_sync_regs.events$OFFSET);
    }

    private void run() {
        size("kvm_run", kvm_run.layout());
        java.put("offsetof kvm_run.immediate_exit", kvm_run.immediate_exit$OFFSET);
        java.put("offsetof kvm_run.exit_reason", kvm_run.exit_reason$OFFSET);
        java.put("offsetof kvm_run.io.direction", kvm_run.io_direction$OFFSET);
        java.put("offsetof kvm_run.io.size", kvm_run.io_size$OFFSET);
        java.put("offsetof kvm_run.io.port", kvm_run.io_port$OFFSET);
        java.put("offsetof kvm_run.io.count", kvm_run.io_count$OFFSET);
        java.put("offsetof kvm_run.io.data_offset", kvm_run.io_data_offset$OFFSET);
        java.put("offsetof kvm_run.mmio.phys_addr", kvm_run.mmio_phys_addr$OFFSET);
        java.put("offsetof kvm_run.mmio.data", kvm_run.mmio_data$OFFSET);
        java.put("offsetof kvm_run.mmio.len", kvm_run.mmio_len$OFFSET);
        java.put("offsetof kvm_run.mmio.is_write", kvm_run.mmio_is_write$OFFSET);
        java.put("offsetof kvm_run.fail_entry.hardware_entry_failure_reason",
                kvm_run.fail_entry_hardware_entry_failure_reason$OFFSET);
        java.put("offsetof kvm_run.internal.suberror", kvm_run.internal_suberror$OFFSET);
        java.put("offsetof kvm_run.kvm_valid_regs", kvm_run.kvm_valid_regs$OFFSET);
        java.put("offsetof kvm_run.kvm_dirty_regs", kvm_run.kvm_dirty_regs$OFFSET);
        java.put("offsetof kvm_run.s.regs", kvm_run.s_regs$OFFSET);
    }

    private void memoryCpuidAndMsrs() {
        size("kvm_userspace_memory_region", kvm_userspace_memory_region.layout());
        for (String field : new String[] {"slot", "flags", "guest_phys_addr", "memory_size", "userspace_addr"}) {
            offset("kvm_userspace_memory_region." + field, kvm_userspace_memory_region.layout(), field);
        }
        // The flexible arrays start right after the headers: the code allocates header + n entries.
        size("kvm_cpuid2", kvm_cpuid2.layout());
        java.put("offsetof kvm_cpuid2.nent", kvm_cpuid2.nent$OFFSET);
        java.put("offsetof kvm_cpuid2.entries", kvm_cpuid2.layout().byteSize());
        size("kvm_cpuid_entry2", kvm_cpuid_entry2.layout());
        for (String field : new String[] {"function", "index", "flags", "eax", "ebx", "ecx", "edx"}) {
            offset("kvm_cpuid_entry2." + field, kvm_cpuid_entry2.layout(), field);
        }
        size("kvm_msrs", kvm_msrs.layout());
        java.put("offsetof kvm_msrs.nmsrs", kvm_msrs.nmsrs$OFFSET);
        java.put("offsetof kvm_msrs.entries", kvm_msrs.layout().byteSize());
        size("kvm_msr_entry", kvm_msr_entry.layout());
        java.put("offsetof kvm_msr_entry.index", kvm_msr_entry.index$OFFSET);
        java.put("offsetof kvm_msr_entry.data", kvm_msr_entry.data$OFFSET);
    }

    /** The vCPU state a VM fork copies as opaque buffers: only their sizes are bindings. */
    private void fpuState() {
        sizeConstant("kvm_xsave", "KVM_XSAVE_SIZE", KVM_XSAVE_SIZE);
        sizeConstant("kvm_xcrs", "KVM_XCRS_SIZE", KVM_XCRS_SIZE);
    }

    private void kvmConstants() {
        constant("KVM_API_VERSION", KVM_API_VERSION);
        constant("KVMIO", KVMIO);
        constant("KVM_GET_API_VERSION", KVM_GET_API_VERSION);
        constant("KVM_CREATE_VM", KVM_CREATE_VM);
        constant("KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION);
        constant("KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE);
        constant("KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID);
        constant("KVM_CREATE_VCPU", KVM_CREATE_VCPU);
        constant("KVM_SET_USER_MEMORY_REGION", KVM_SET_USER_MEMORY_REGION);
        constant("KVM_RUN", KVM_RUN);
        constant("KVM_GET_REGS", KVM_GET_REGS);
        constant("KVM_SET_REGS", KVM_SET_REGS);
        constant("KVM_GET_SREGS", KVM_GET_SREGS);
        constant("KVM_SET_SREGS", KVM_SET_SREGS);
        constant("KVM_GET_MSRS", KVM_GET_MSRS);
        constant("KVM_SET_MSRS", KVM_SET_MSRS);
        constant("KVM_SET_CPUID2", KVM_SET_CPUID2);
        constant("KVM_GET_TSC_KHZ", KVM_GET_TSC_KHZ);
        constant("KVM_GET_XSAVE", KVM_GET_XSAVE);
        constant("KVM_SET_XSAVE", KVM_SET_XSAVE);
        constant("KVM_GET_XCRS", KVM_GET_XCRS);
        constant("KVM_SET_XCRS", KVM_SET_XCRS);
        constant("KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY);
        constant("KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID);
        constant("KVM_CAP_SYNC_REGS", KVM_CAP_SYNC_REGS);
        constant("KVM_CAP_IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT);
        constant("KVM_EXIT_IO", KVM_EXIT_IO);
        constant("KVM_EXIT_HLT", KVM_EXIT_HLT);
        constant("KVM_EXIT_MMIO", KVM_EXIT_MMIO);
        constant("KVM_EXIT_SHUTDOWN", KVM_EXIT_SHUTDOWN);
        constant("KVM_EXIT_FAIL_ENTRY", KVM_EXIT_FAIL_ENTRY);
        constant("KVM_EXIT_INTERNAL_ERROR", KVM_EXIT_INTERNAL_ERROR);
        constant("KVM_EXIT_IO_OUT", KVM_EXIT_IO_OUT);
        constant("KVM_SYNC_X86_REGS", KVM_SYNC_X86_REGS);
        constant("KVM_SYNC_X86_SREGS", KVM_SYNC_X86_SREGS);
    }

    private void size(String struct, GroupLayout layout) {
        java.put("sizeof " + struct, layout.byteSize());
    }

    private void offset(String key, GroupLayout layout, String field) {
        java.put("offsetof " + key, layout.byteOffset(MemoryLayout.PathElement.groupElement(field)));
    }

    private void constant(String name, long value) {
        java.put("const " + name, value);
        checkedConstants.add(name);
    }

    /** A Java constant that stands for {@code sizeof(struct name)}. */
    private void sizeConstant(String struct, String name, long value) {
        java.put("sizeof " + struct, value);
        checkedConstants.add(name);
    }
}
