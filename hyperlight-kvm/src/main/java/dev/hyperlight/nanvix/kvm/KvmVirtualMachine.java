package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.kvm.sys.kvm_userspace_memory_region;
import dev.hyperlight.nanvix.kvm.sys.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One KVM VM: its file descriptor, its guest RAM (memory slot 0 at GPA 0) and its vCPUs. */
final class KvmVirtualMachine implements VirtualMachine {

    private static final Logger LOG = LoggerFactory.getLogger(KvmVirtualMachine.class);

    private final int vmFd;
    private final GuestRam ram;
    private final VcpuSetup vcpuSetup;
    private final List<KvmVirtualCpu> vcpus = new ArrayList<>();
    private boolean closed;

    private KvmVirtualMachine(int vmFd, GuestRam ram, VcpuSetup vcpuSetup) {
        this.vmFd = vmFd;
        this.ram = ram;
        this.vcpuSetup = vcpuSetup;
    }

    static KvmVirtualMachine create(int kvmFd, long memorySize, VcpuSetup vcpuSetup) throws HypervisorException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            int vmFd = libc_h.ioctl(callState, kvmFd, KVM_CREATE_VM, 0L);
            if (vmFd < 0) {
                throw NativeFailure.of("KVM_CREATE_VM", libc_h.errno(callState));
            }
            GuestRam ram = null;
            try {
                ram = GuestRam.map(memorySize, callState);
                MemorySegment region = scratch.allocate(kvm_userspace_memory_region.layout());
                kvm_userspace_memory_region.slot(region, 0);
                kvm_userspace_memory_region.guest_phys_addr(region, 0);
                kvm_userspace_memory_region.memory_size(region, memorySize);
                kvm_userspace_memory_region.userspace_addr(region, ram.memory().address());
                if (libc_h.ioctl(callState, vmFd, KVM_SET_USER_MEMORY_REGION, region) != 0) {
                    throw NativeFailure.of("KVM_SET_USER_MEMORY_REGION", libc_h.errno(callState));
                }
                return new KvmVirtualMachine(vmFd, ram, vcpuSetup);
            } catch (HypervisorException | RuntimeException e) {
                libc_h.close(callState, vmFd);
                if (ram != null) {
                    ram.close();
                }
                throw e;
            }
        }
    }

    @Override
    public MemorySegment memory() {
        return ram.memory();
    }

    @Override
    public synchronized VirtualCpu createVcpu() throws HypervisorException {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
        KvmVirtualCpu vcpu = KvmVirtualCpu.create(vmFd, vcpus.size(), vcpuSetup);
        vcpus.add(vcpu);
        return vcpu;
    }

    /** Closes the vCPUs (stopping any that runs), the VM, then unmaps guest RAM. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        vcpus.forEach(KvmVirtualCpu::close);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.close(callState, vmFd) != 0) {
                LOG.warn("close of the VM descriptor failed: {}", NativeFailure.describe(libc_h.errno(callState)));
            }
        }
        ram.close();
    }
}
