/*
 * Prints the sizes, field offsets, ioctl numbers and constants that the Java bindings in
 * dev.hyperlight.nanvix.kvm.sys hard-code or compute, as "key value" lines, straight from the
 * system's <linux/kvm.h>. KvmLayoutTest compiles and runs it and compares every line. The C
 * library's constants are hyperlight-hostmem's libc_layout.c.
 */
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>

#define SIZE(type) printf("sizeof %s %zu\n", #type, sizeof(struct type))
#define OFFSET(type, field) printf("offsetof %s.%s %zu\n", #type, #field, offsetof(struct type, field))
#define CONSTANT(name) printf("const %s %lld\n", #name, (long long)(name))

int main(void) {
    SIZE(kvm_segment);
    OFFSET(kvm_segment, base);
    OFFSET(kvm_segment, limit);
    OFFSET(kvm_segment, selector);
    OFFSET(kvm_segment, type);
    OFFSET(kvm_segment, present);
    OFFSET(kvm_segment, dpl);
    OFFSET(kvm_segment, db);
    OFFSET(kvm_segment, s);
    OFFSET(kvm_segment, l);
    OFFSET(kvm_segment, g);
    OFFSET(kvm_segment, avl);
    OFFSET(kvm_segment, unusable);

    SIZE(kvm_dtable);
    OFFSET(kvm_dtable, base);
    OFFSET(kvm_dtable, limit);

    SIZE(kvm_regs);
    OFFSET(kvm_regs, rax);
    OFFSET(kvm_regs, rbx);
    OFFSET(kvm_regs, rcx);
    OFFSET(kvm_regs, rdx);
    OFFSET(kvm_regs, rsi);
    OFFSET(kvm_regs, rdi);
    OFFSET(kvm_regs, rsp);
    OFFSET(kvm_regs, rbp);
    OFFSET(kvm_regs, r8);
    OFFSET(kvm_regs, r9);
    OFFSET(kvm_regs, r10);
    OFFSET(kvm_regs, r11);
    OFFSET(kvm_regs, r12);
    OFFSET(kvm_regs, r13);
    OFFSET(kvm_regs, r14);
    OFFSET(kvm_regs, r15);
    OFFSET(kvm_regs, rip);
    OFFSET(kvm_regs, rflags);

    SIZE(kvm_sregs);
    OFFSET(kvm_sregs, cs);
    OFFSET(kvm_sregs, ds);
    OFFSET(kvm_sregs, es);
    OFFSET(kvm_sregs, fs);
    OFFSET(kvm_sregs, gs);
    OFFSET(kvm_sregs, ss);
    OFFSET(kvm_sregs, tr);
    OFFSET(kvm_sregs, ldt);
    OFFSET(kvm_sregs, gdt);
    OFFSET(kvm_sregs, idt);
    OFFSET(kvm_sregs, cr0);
    OFFSET(kvm_sregs, cr2);
    OFFSET(kvm_sregs, cr3);
    OFFSET(kvm_sregs, cr4);
    OFFSET(kvm_sregs, cr8);
    OFFSET(kvm_sregs, efer);
    OFFSET(kvm_sregs, apic_base);
    OFFSET(kvm_sregs, interrupt_bitmap);

    SIZE(kvm_sync_regs);
    OFFSET(kvm_sync_regs, regs);
    OFFSET(kvm_sync_regs, sregs);
    OFFSET(kvm_sync_regs, events);

    SIZE(kvm_run);
    OFFSET(kvm_run, immediate_exit);
    OFFSET(kvm_run, exit_reason);
    OFFSET(kvm_run, io.direction);
    OFFSET(kvm_run, io.size);
    OFFSET(kvm_run, io.port);
    OFFSET(kvm_run, io.count);
    OFFSET(kvm_run, io.data_offset);
    OFFSET(kvm_run, mmio.phys_addr);
    OFFSET(kvm_run, mmio.data);
    OFFSET(kvm_run, mmio.len);
    OFFSET(kvm_run, mmio.is_write);
    OFFSET(kvm_run, fail_entry.hardware_entry_failure_reason);
    OFFSET(kvm_run, internal.suberror);
    OFFSET(kvm_run, kvm_valid_regs);
    OFFSET(kvm_run, kvm_dirty_regs);
    OFFSET(kvm_run, s.regs);

    SIZE(kvm_userspace_memory_region);
    OFFSET(kvm_userspace_memory_region, slot);
    OFFSET(kvm_userspace_memory_region, flags);
    OFFSET(kvm_userspace_memory_region, guest_phys_addr);
    OFFSET(kvm_userspace_memory_region, memory_size);
    OFFSET(kvm_userspace_memory_region, userspace_addr);

    SIZE(kvm_cpuid2);
    OFFSET(kvm_cpuid2, nent);
    OFFSET(kvm_cpuid2, entries);
    SIZE(kvm_cpuid_entry2);
    OFFSET(kvm_cpuid_entry2, function);
    OFFSET(kvm_cpuid_entry2, index);
    OFFSET(kvm_cpuid_entry2, flags);
    OFFSET(kvm_cpuid_entry2, eax);
    OFFSET(kvm_cpuid_entry2, ebx);
    OFFSET(kvm_cpuid_entry2, ecx);
    OFFSET(kvm_cpuid_entry2, edx);

    SIZE(kvm_msrs);
    OFFSET(kvm_msrs, nmsrs);
    OFFSET(kvm_msrs, entries);
    SIZE(kvm_msr_entry);
    OFFSET(kvm_msr_entry, index);
    OFFSET(kvm_msr_entry, data);

    /* The backend treats these two as opaque byte buffers of exactly this size. */
    SIZE(kvm_xsave);
    SIZE(kvm_xcrs);

    CONSTANT(KVM_API_VERSION);
    CONSTANT(KVMIO);
    CONSTANT(KVM_GET_API_VERSION);
    CONSTANT(KVM_CREATE_VM);
    CONSTANT(KVM_CHECK_EXTENSION);
    CONSTANT(KVM_GET_VCPU_MMAP_SIZE);
    CONSTANT(KVM_GET_SUPPORTED_CPUID);
    CONSTANT(KVM_CREATE_VCPU);
    CONSTANT(KVM_SET_USER_MEMORY_REGION);
    CONSTANT(KVM_RUN);
    CONSTANT(KVM_GET_REGS);
    CONSTANT(KVM_SET_REGS);
    CONSTANT(KVM_GET_SREGS);
    CONSTANT(KVM_SET_SREGS);
    CONSTANT(KVM_GET_MSRS);
    CONSTANT(KVM_SET_MSRS);
    CONSTANT(KVM_SET_CPUID2);
    CONSTANT(KVM_GET_TSC_KHZ);
    CONSTANT(KVM_GET_XSAVE);
    CONSTANT(KVM_SET_XSAVE);
    CONSTANT(KVM_GET_XCRS);
    CONSTANT(KVM_SET_XCRS);
    CONSTANT(KVM_CAP_USER_MEMORY);
    CONSTANT(KVM_CAP_EXT_CPUID);
    CONSTANT(KVM_CAP_SYNC_REGS);
    CONSTANT(KVM_CAP_IMMEDIATE_EXIT);
    CONSTANT(KVM_EXIT_IO);
    CONSTANT(KVM_EXIT_HLT);
    CONSTANT(KVM_EXIT_MMIO);
    CONSTANT(KVM_EXIT_SHUTDOWN);
    CONSTANT(KVM_EXIT_FAIL_ENTRY);
    CONSTANT(KVM_EXIT_INTERNAL_ERROR);
    CONSTANT(KVM_EXIT_IO_OUT);
    CONSTANT(KVM_SYNC_X86_REGS);
    CONSTANT(KVM_SYNC_X86_SREGS);
    return 0;
}
