package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.ResidentPages;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One KVM VM: its file descriptor, its guest RAM (memory slot 0 at GPA 0) and its vCPUs. */
final class KvmVirtualMachine implements VirtualMachine {

    private final KvmKernel kernel;
    private final int vmFd;
    private final GuestRam ram;
    private final VcpuSetup vcpuSetup;
    private final SnapshotOrigin origin;
    private final List<KvmVirtualCpu> vcpus = new ArrayList<>();
    private boolean closed;

    private KvmVirtualMachine(KvmKernel kernel, int vmFd, GuestRam ram, VcpuSetup vcpuSetup, SnapshotOrigin origin) {
        this.kernel = kernel;
        this.vmFd = vmFd;
        this.ram = ram;
        this.vcpuSetup = vcpuSetup;
        this.origin = origin;
    }

    /** Makes a VM's guest RAM, registered as its memory slot 0 (its size is the mapping's). */
    @FunctionalInterface
    interface RamMapping {
        GuestRam map(KvmKernel kernel, int vmFd) throws HypervisorException;
    }

    /**
     * A VM with {@code memorySize} bytes of zeroed RAM. A VM owns {@code kernel} from here on
     * ({@link KvmKernel#release()} at its close), also when this fails.
     */
    static KvmVirtualMachine create(KvmKernel kernel, int kvmFd, long memorySize, VcpuSetup vcpuSetup,
            SnapshotOrigin origin) throws HypervisorException {
        return create(kernel, kvmFd, (k, vmFd) -> k.createRam(vmFd, memorySize), vcpuSetup, origin);
    }

    /** A VM whose RAM reads as {@code snapshot}'s ({@link KvmKernel#cloneRam}), without a vCPU yet. */
    static KvmVirtualMachine createFrom(KvmKernel kernel, int kvmFd, SnapshotRam snapshot, VcpuSetup vcpuSetup,
            SnapshotOrigin origin) throws HypervisorException {
        return create(kernel, kvmFd, (k, vmFd) -> k.cloneRam(vmFd, snapshot), vcpuSetup, origin);
    }

    private static KvmVirtualMachine create(KvmKernel kernel, int kvmFd, RamMapping mapping, VcpuSetup vcpuSetup,
            SnapshotOrigin origin) throws HypervisorException {
        try {
            long vmFd = kernel.ioctl(kvmFd, KVM_CREATE_VM, 0L);
            if (vmFd < 0) {
                throw NativeFailure.of("KVM_CREATE_VM", (int) -vmFd);
            }
            try {
                return new KvmVirtualMachine(kernel, (int) vmFd, mapping.map(kernel, (int) vmFd), vcpuSetup, origin);
            } catch (HypervisorException | RuntimeException e) {
                kernel.close((int) vmFd);
                throw e;
            }
        } catch (HypervisorException | RuntimeException e) {
            kernel.release();
            throw e;
        }
    }

    @Override
    public MemorySegment memory() {
        return ram.memory();
    }

    /**
     * Copies only the pages of {@code source}'s RAM that are resident on the host: see {@link
     * ResidentPages#copy}.
     */
    @Override
    public void copyMemoryFrom(VirtualMachine source) throws HypervisorException {
        if (source.memory().byteSize() != memory().byteSize()) {
            throw new IllegalArgumentException("the VMs' memory sizes differ");
        }
        ResidentPages.copy(source.memory(), memory(), false);
    }

    /**
     * Copies RAM into a sealed memfd and takes {@code vcpu}'s state; tags it with the caller's
     * {@code tags} and the host's ({@link SnapshotOrigin#tags()}). The time is taken with the
     * state, so that clones can move their TSC on by the time since.
     */
    @Override
    public synchronized VmSnapshot snapshot(VirtualCpu vcpu, Map<String, String> tags) throws HypervisorException {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
        if (vcpus.size() != 1 || vcpus.getFirst() != vcpu) {
            throw new IllegalArgumentException("a snapshot takes a VM with one vCPU, and that vCPU");
        }
        KvmCpuState state = (KvmCpuState) vcpu.saveState();
        Instant takenAt = Instant.now();
        SnapshotInfo info = new SnapshotInfo(KvmHypervisor.NAME, origin.flavour(), memory().byteSize(), vcpu.tscKhz(),
                takenAt, tags).withTags(origin.tags());
        SnapshotRam copy = SnapshotRam.copyOf(memory());
        return new KvmVmSnapshot(info, state, copy);
    }

    @Override
    public synchronized VirtualCpu createVcpu() throws HypervisorException {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
        KvmVirtualCpu vcpu = KvmVirtualCpu.create(kernel, vmFd, vcpus.size(), vcpuSetup);
        vcpus.add(vcpu);
        return vcpu;
    }

    /** Closes the vCPUs (stopping any that runs), the VM, unmaps guest RAM, then ends its VMM process if any. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        vcpus.forEach(KvmVirtualCpu::close);
        kernel.close(vmFd);
        ram.close();
        kernel.release();
    }
}
