package dev.hyperlight.nanvix.kvm.sys;

import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IO;
import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IOR;
import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IOW;
import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IOWR;

/** Constants and ioctl request numbers of {@code <linux/kvm.h>} (x86-64) that this backend uses. */
public final class kvm_h {

    private kvm_h() {}

    public static final int KVM_API_VERSION = 12;

    /** {@code struct kvm_xsave}: the legacy 4 KiB XSAVE area (FPU, SSE, AVX state). */
    public static final long KVM_XSAVE_SIZE = 4096;
    /** {@code struct kvm_xcrs}: {@code nr_xcrs}, {@code flags}, 16 {@code kvm_xcr}s, padding. */
    public static final long KVM_XCRS_SIZE = 4 + 4 + 16 * 16 + 16 * 8;
    public static final int KVMIO = 0xAE;

    // ioctls on /dev/kvm
    public static final long KVM_GET_API_VERSION = _IO(KVMIO, 0x00);
    public static final long KVM_CREATE_VM = _IO(KVMIO, 0x01);
    public static final long KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = _IO(KVMIO, 0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = _IOWR(KVMIO, 0x05, kvm_cpuid2.layout().byteSize());

    // ioctls on a VM
    public static final long KVM_CREATE_VCPU = _IO(KVMIO, 0x41);
    public static final long KVM_SET_USER_MEMORY_REGION =
            _IOW(KVMIO, 0x46, kvm_userspace_memory_region.layout().byteSize());

    // ioctls on a vCPU
    public static final long KVM_RUN = _IO(KVMIO, 0x80);
    public static final long KVM_GET_REGS = _IOR(KVMIO, 0x81, kvm_regs.layout().byteSize());
    public static final long KVM_SET_REGS = _IOW(KVMIO, 0x82, kvm_regs.layout().byteSize());
    public static final long KVM_GET_SREGS = _IOR(KVMIO, 0x83, kvm_sregs.layout().byteSize());
    public static final long KVM_SET_SREGS = _IOW(KVMIO, 0x84, kvm_sregs.layout().byteSize());
    public static final long KVM_GET_MSRS = _IOWR(KVMIO, 0x88, kvm_msrs.layout().byteSize());
    public static final long KVM_SET_MSRS = _IOW(KVMIO, 0x89, kvm_msrs.layout().byteSize());
    public static final long KVM_SET_CPUID2 = _IOW(KVMIO, 0x90, kvm_cpuid2.layout().byteSize());
    public static final long KVM_GET_TSC_KHZ = _IO(KVMIO, 0xa3);
    public static final long KVM_GET_XSAVE = _IOR(KVMIO, 0xa4, KVM_XSAVE_SIZE);
    public static final long KVM_SET_XSAVE = _IOW(KVMIO, 0xa5, KVM_XSAVE_SIZE);
    public static final long KVM_GET_XCRS = _IOR(KVMIO, 0xa6, KVM_XCRS_SIZE);
    public static final long KVM_SET_XCRS = _IOW(KVMIO, 0xa7, KVM_XCRS_SIZE);

    // KVM_CHECK_EXTENSION arguments
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_SYNC_REGS = 74;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;

    // kvm_run.exit_reason
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;

    // kvm_run.io.direction (the other value, 0, is KVM_EXIT_IO_IN)
    public static final int KVM_EXIT_IO_OUT = 1;

    // kvm_run.kvm_valid_regs / kvm_dirty_regs: which parts of kvm_run.s.regs KVM syncs
    public static final long KVM_SYNC_X86_REGS = 1L << 0;
    public static final long KVM_SYNC_X86_SREGS = 1L << 1;
}
