package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;

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
import dev.hyperlight.nanvix.mshv.sys.hv_input_set_partition_property;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_partition;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_vp;
import dev.hyperlight.nanvix.mshv.sys.mshv_root_hvcall;
import dev.hyperlight.nanvix.mshv.sys.mshv_user_mem_region;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One partition: its file descriptor, its guest RAM (mapped at GPA 0) and its VPs. */
final class MshvVirtualMachine implements VirtualMachine {

    private static final Logger LOG = LoggerFactory.getLogger(MshvVirtualMachine.class);

    private final MshvKernel kernel;
    private final int partitionFd;
    private final GuestRam ram;
    private final SnapshotOrigin origin;
    private final List<MshvVirtualCpu> vps = new ArrayList<>();
    private boolean closed;

    private MshvVirtualMachine(MshvKernel kernel, int partitionFd, GuestRam ram, SnapshotOrigin origin) {
        this.kernel = kernel;
        this.partitionFd = partitionFd;
        this.ram = ram;
        this.origin = origin;
    }

    /** Makes a partition's guest RAM in this process, before {@code MSHV_SET_GUEST_MEMORY} maps it. */
    @FunctionalInterface
    private interface RamMapping {
        GuestRam map(MemorySegment callState) throws HypervisorException;
    }

    /**
     * Creates a partition the way Hyperlight does: no partition flags (no LAPIC, so no SynIC and no
     * interrupt controller the guest could program), no isolation, all synthetic processor features
     * off (an early property, set before {@code MSHV_INITIALIZE_PARTITION}); then maps {@code
     * memorySize} bytes of zeroed RAM at GPA 0, readable, writable and executable.
     */
    static MshvVirtualMachine create(MshvKernel kernel, int mshvFd, long memorySize, SnapshotOrigin origin)
            throws HypervisorException {
        return create(kernel, mshvFd, callState -> GuestRam.map(memorySize, callState), origin);
    }

    /**
     * A partition whose RAM is {@code snapshot}'s memfd mapped private ({@link
     * GuestRam#mapClone}), given to the partition like any RAM, without a VP yet.
     */
    static MshvVirtualMachine createFrom(MshvKernel kernel, int mshvFd, SnapshotRam snapshot, SnapshotOrigin origin)
            throws HypervisorException {
        return create(kernel, mshvFd, callState -> GuestRam.mapClone(snapshot, callState),
                origin);
    }

    private static MshvVirtualMachine create(MshvKernel kernel, int mshvFd, RamMapping mapping, SnapshotOrigin origin)
            throws HypervisorException {
        int partitionFd;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment args = scratch.allocate(mshv_create_partition.layout());
            mshv_create_partition.pt_flags(args, 0);
            mshv_create_partition.pt_isolation(args, MSHV_PT_ISOLATION_NONE);
            partitionFd = kernel.ioctl(mshvFd, MSHV_CREATE_PARTITION, args);
            if (partitionFd < 0) {
                throw NativeFailure.of("MSHV_CREATE_PARTITION", -partitionFd);
            }
        }
        GuestRam ram = null;
        try {
            setSyntheticProcessorFeatures(kernel, partitionFd);
            check(kernel.ioctl(partitionFd, MSHV_INITIALIZE_PARTITION, MemorySegment.NULL),
                    "MSHV_INITIALIZE_PARTITION");
            try (Arena scratch = Arena.ofConfined()) {
                ram = mapping.map(scratch.allocate(libc_h.CALL_STATE_LAYOUT));
                long memorySize = ram.memory().byteSize();
                MemorySegment region = scratch.allocate(mshv_user_mem_region.layout());
                region.fill((byte) 0);
                mshv_user_mem_region.size(region, memorySize);
                mshv_user_mem_region.guest_pfn(region, 0);
                mshv_user_mem_region.userspace_addr(region, ram.memory().address());
                mshv_user_mem_region.flags(region,
                        (byte) (1 << MSHV_SET_MEM_BIT_WRITABLE | 1 << MSHV_SET_MEM_BIT_EXECUTABLE));
                check(kernel.ioctl(partitionFd, MSHV_SET_GUEST_MEMORY, region), "MSHV_SET_GUEST_MEMORY");
            }
            return new MshvVirtualMachine(kernel, partitionFd, ram, origin);
        } catch (HypervisorException | RuntimeException e) {
            kernel.close(partitionFd);
            if (ram != null) {
                ram.close();
            }
            throw e;
        }
    }

    private static void setSyntheticProcessorFeatures(MshvKernel kernel, int partitionFd) throws HypervisorException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment input = scratch.allocate(hv_input_set_partition_property.layout());
            input.fill((byte) 0); // the kernel fills in the partition id
            hv_input_set_partition_property.property_code(input, HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES);
            hv_input_set_partition_property.property_value(input, 0);
            MemorySegment call = scratch.allocate(mshv_root_hvcall.layout());
            call.fill((byte) 0);
            mshv_root_hvcall.code(call, (short) HVCALL_SET_PARTITION_PROPERTY);
            mshv_root_hvcall.in_sz(call, (short) input.byteSize());
            mshv_root_hvcall.in_ptr(call, input.address());
            int result = kernel.ioctl(partitionFd, MSHV_ROOT_HVCALL, call);
            int status = Short.toUnsignedInt(mshv_root_hvcall.status(call));
            if (result < 0 || status != HV_STATUS_SUCCESS) {
                throw new HypervisorException(HypervisorException.Kind.FAILED,
                        "HvCallSetPartitionProperty (synthetic processor features) failed: "
                        + (result < 0 ? NativeFailure.describe(-result) + ", " : "") + "hypervisor status 0x"
                        + Integer.toHexString(status));
            }
        }
    }

    private static void check(int result, String call) throws HypervisorException {
        if (result < 0) {
            throw NativeFailure.of(call, -result);
        }
    }

    @Override
    public MemorySegment memory() {
        return ram.memory();
    }

    /** Copies only the pages of {@code source}'s RAM that are resident on the host: see {@link ResidentPages#copy}. */
    @Override
    public void copyMemoryFrom(VirtualMachine source) {
        if (source.memory().byteSize() != memory().byteSize()) {
            throw new IllegalArgumentException("the VMs' memory sizes differ");
        }
        ResidentPages.copy(source.memory(), memory(), false);
    }

    /**
     * Takes {@code vp}'s state, then copies RAM into a sealed memfd; tags it with the caller's
     * {@code tags} and this host's ({@link SnapshotOrigin#tags()}). The TSC frequency is recorded
     * as 0, as {@link MshvVirtualCpu#tscKhz()} reports it: the guest calibrated from CPUID.
     */
    @Override
    public synchronized VmSnapshot snapshot(VirtualCpu vp, Map<String, String> tags) throws HypervisorException {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
        if (vps.size() != 1 || vps.getFirst() != vp) {
            throw new IllegalArgumentException("a snapshot takes a VM with one VP, and that VP");
        }
        MshvCpuState state = (MshvCpuState) vp.saveState();
        SnapshotInfo info = new SnapshotInfo(MshvHypervisor.NAME, origin.flavour(), memory().byteSize(), vp.tscKhz(),
                Instant.now(), tags).withTags(origin.tags());
        return new MshvVmSnapshot(info, state, SnapshotRam.copyOf(memory()));
    }

    @Override
    public synchronized VirtualCpu createVcpu() throws HypervisorException {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
        int index = vps.size();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment args = scratch.allocate(mshv_create_vp.layout());
            mshv_create_vp.vp_index(args, index);
            int vpFd = kernel.ioctl(partitionFd, MSHV_CREATE_VP, args);
            if (vpFd < 0) {
                throw NativeFailure.of("MSHV_CREATE_VP " + index, -vpFd);
            }
            MshvVirtualCpu vp = new MshvVirtualCpu(kernel, index, vpFd);
            vps.add(vp);
            return vp;
        }
    }

    /** Closes the VPs (stopping any that runs), the partition, then unmaps guest RAM. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        vps.forEach(MshvVirtualCpu::close);
        int result = kernel.close(partitionFd);
        if (result < 0) {
            LOG.warn("close of the partition descriptor failed: {}", NativeFailure.describe(-result));
        }
        ram.close();
    }
}
