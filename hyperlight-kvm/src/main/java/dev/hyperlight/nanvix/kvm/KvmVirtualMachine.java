package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.kvm.sys.libc_h;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One KVM VM: its file descriptor, its guest RAM (memory slot 0 at GPA 0) and its vCPUs. */
final class KvmVirtualMachine implements VirtualMachine {

    private static final Logger LOG = LoggerFactory.getLogger(KvmVirtualMachine.class);
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[(int) GuestRam.PAGE_SIZE]);
    /** Whether the host has swap: then a page mincore reports absent may be swapped out, not zero. */
    private static final boolean SWAP_POSSIBLE = hostHasSwap();

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

    private static boolean hostHasSwap() {
        try {
            return Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
        } catch (IOException | RuntimeException e) {
            return true; // unknown: be safe
        }
    }

    @Override
    public MemorySegment memory() {
        return ram.memory();
    }

    /**
     * Copies only the pages of {@code source}'s RAM that are resident on the host: see {@link
     * #copyResidentPages}.
     */
    @Override
    public void copyMemoryFrom(VirtualMachine source) throws HypervisorException {
        if (source.memory().byteSize() != memory().byteSize()) {
            throw new IllegalArgumentException("the VMs' memory sizes differ");
        }
        copyResidentPages(source.memory(), memory(), false);
    }

    /**
     * Copies only the pages of {@code from} that are resident on the host ({@code mincore}) into
     * {@code to} (zero, of the same size): pages the guest never touched are zero in both, and
     * copying them would commit host memory for nothing. Swapped-out pages count as not resident;
     * guest RAM is private memory, so on a host without swap that cannot lose data, and with swap
     * the copy falls back to comparing them with zero (see {@link #copyIfNonZero}). With {@code
     * skipZeroPages}, resident pages that hold only zeros are not copied either (a snapshot's copy
     * is made once and kept: huge pages make much zeroed RAM resident).
     */
    static void copyResidentPages(MemorySegment from, MemorySegment to, boolean skipZeroPages) {
        long pages = from.byteSize() / GuestRam.PAGE_SIZE;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            MemorySegment resident = scratch.allocate(pages);
            if (libc_h.mincore(callState, MemorySegment.ofAddress(from.address()), from.byteSize(), resident) != 0) {
                LOG.debug("mincore failed ({}): copying all of guest RAM",
                        NativeFailure.describe(libc_h.errno(callState)));
                to.copyFrom(from);
                return;
            }
            long run = -1; // first page of the current run of resident pages
            for (long page = 0; page <= pages; page++) {
                boolean in = page < pages && (resident.get(ValueLayout.JAVA_BYTE, page) & 1) != 0;
                if (in && run < 0) {
                    run = page;
                } else if (!in && run >= 0) {
                    long offset = run * GuestRam.PAGE_SIZE;
                    long length = (page - run) * GuestRam.PAGE_SIZE;
                    if (skipZeroPages) {
                        for (long at = offset; at < offset + length; at += GuestRam.PAGE_SIZE) {
                            copyIfNonZero(from, to, at);
                        }
                    } else {
                        MemorySegment.copy(from, offset, to, offset, length);
                    }
                    run = -1;
                }
                if (!in && page < pages && SWAP_POSSIBLE) {
                    copyIfNonZero(from, to, page * GuestRam.PAGE_SIZE);
                }
            }
        }
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

    /**
     * Copies one page unless it is all zero. For a page mincore calls absent, which may still hold
     * data in swap: reading it brings it back.
     */
    private static void copyIfNonZero(MemorySegment from, MemorySegment to, long offset) {
        MemorySegment page = from.asSlice(offset, GuestRam.PAGE_SIZE);
        if (page.mismatch(ZERO_PAGE) >= 0) {
            to.asSlice(offset, GuestRam.PAGE_SIZE).copyFrom(page);
        }
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
