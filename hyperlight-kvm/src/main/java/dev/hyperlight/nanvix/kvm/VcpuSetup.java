package dev.hyperlight.nanvix.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * What every vCPU of this host needs, read once from {@code /dev/kvm}.
 *
 * @param runMmapSize size of the {@code kvm_run} area to map ({@code KVM_GET_VCPU_MMAP_SIZE})
 * @param syncSpecialRegisters whether KVM copies the special registers into {@code kvm_run} at each
 *     exit ({@code KVM_CAP_SYNC_REGS}), which saves a {@code KVM_GET_SREGS} per I/O exit
 * @param syncRegisters whether KVM can also sync the general registers both ways through {@code
 *     kvm_run} ({@code KVM_SYNC_X86_REGS}), which saves a {@code KVM_GET_REGS} and a {@code
 *     KVM_SET_REGS} per system-call door exit
 * @param supportedCpuid a read-only heap copy of the {@code struct kvm_cpuid2} and its entries from
 *     {@code KVM_GET_SUPPORTED_CPUID}
 */
record VcpuSetup(long runMmapSize, boolean syncSpecialRegisters, boolean syncRegisters, MemorySegment supportedCpuid) {

    VcpuSetup {
        if (!supportedCpuid.isReadOnly() || supportedCpuid.isNative()) {
            throw new IllegalArgumentException("supportedCpuid must be a read-only heap segment");
        }
    }

    /** A native copy of the supported CPUID, aligned for {@code KVM_SET_CPUID2}. */
    MemorySegment supportedCpuidCopy(SegmentAllocator allocator) {
        return allocator.allocate(supportedCpuid.byteSize(), 8).copyFrom(supportedCpuid);
    }
}
