package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.KickSignal;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.SealedSnapshot;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException.Kind;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid2;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid_entry2;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KVM backend: holds {@code /dev/kvm} open and creates VMs. Thread-safe. VMs it created stay
 * usable after it is closed (each VM has its own file descriptor).
 */
public final class KvmHypervisor implements Hypervisor {

    static final String NAME = "kvm";
    static final Path DEVICE = Path.of("/dev/kvm");

    /** CPUID leaves to ask KVM for at first; doubled on E2BIG up to the cap. */
    private static final int FIRST_CPUID_GUESS = 128;
    private static final int MAX_CPUID_ENTRIES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(KvmHypervisor.class);

    /** {@code /dev/kvm} in this process; -1 in the multi-process deployment, which holds none. */
    private final int kvmFd;
    /** The VMM processes each new VM takes one of; null in the in-process deployment. */
    private final VmmPool pool;
    private final Path device;
    private final VcpuSetup vcpuSetup;
    private final SnapshotOrigin origin;
    /** Readers use {@code kvmFd}; {@link #close()} writes, so the descriptor is never closed mid-call. */
    private final ReadWriteLock fdLock = new ReentrantReadWriteLock();
    private boolean closed;

    private KvmHypervisor(Path device, int kvmFd, VmmPool pool, VcpuSetup vcpuSetup) {
        this.device = device;
        this.kvmFd = kvmFd;
        this.pool = pool;
        this.vcpuSetup = vcpuSetup;
        byte[] cpuid = vcpuSetup.supportedCpuid().toArray(ValueLayout.JAVA_BYTE);
        this.origin = new SnapshotOrigin(new KvmHypervisorProvider().flavour(), SnapshotFile.sha256Hex(cpuid));
    }

    /** Opens {@code device} and checks it offers the KVM API this backend relies on. */
    public static KvmHypervisor open(Path device) throws HypervisorException {
        return open(device, true);
    }

    /**
     * As {@link #open(Path)}; {@code useSyncRegisters = false} reads the privilege level of each
     * I/O exit with {@code KVM_GET_SREGS} even when {@code KVM_CAP_SYNC_REGS} is available (to test
     * and measure the fallback).
     */
    static KvmHypervisor open(Path device, boolean useSyncRegisters) throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            int fd = libc_h.open(callState, arena.allocateFrom(device.toString()), libc_h.O_RDWR | libc_h.O_CLOEXEC, 0);
            if (fd < 0) {
                throw openFailure(device, libc_h.errno(callState));
            }
            try {
                VcpuSetup setup = probe(device, LocalKvmKernel.INSTANCE, fd, useSyncRegisters, arena);
                KickSignal.install(); // vCPUs cannot be interrupted without it
                return new KvmHypervisor(device, fd, null, setup);
            } catch (HypervisorException | RuntimeException e) {
                close(callState, fd);
                throw e;
            }
        }
    }

    /**
     * The multi-process deployment: VMs in confined VMM processes ({@link VmmPool}), {@code
     * deployment.poolSize()} of them started ahead of demand. This process opens no KVM
     * descriptor; the first VMM process probes the device (and then serves the first VM, as no
     * guest has run in it).
     */
    static KvmHypervisor openMultiProcess(Path device, Deployment.MultiProcess deployment) throws HypervisorException {
        return openMultiProcess(device, deployment, VmmProcess.SERVE);
    }

    /** As {@link #openMultiProcess(Path, Deployment.MultiProcess)}, with VMM processes that serve in {@code mode} (the tests' faulty ones). */
    static KvmHypervisor openMultiProcess(Path device, Deployment.MultiProcess deployment, List<String> mode)
            throws HypervisorException {
        VmmProcess first = VmmProcess.start(device, mode);
        try (Arena arena = Arena.ofConfined()) {
            VcpuSetup setup = probe(device, new RemoteKvmKernel(first, first::close), first.kvmFd(device), true, arena);
            return new KvmHypervisor(device, -1,
                    new VmmPool(device, mode, deployment.poolSize(), deployment.vmsPerProcess(), first), setup);
        } catch (HypervisorException | RuntimeException e) {
            first.close();
            throw e;
        }
    }

    /** One clear sentence per reason the device cannot be opened. */
    static HypervisorException openFailure(Path device, int errno) {
        return switch (errno) {
            case libc_h.ENOENT -> new HypervisorException(Kind.DEVICE_MISSING, device
                    + " does not exist: this host offers no KVM (enable hardware virtualization or load the kvm module).");
            case libc_h.EACCES, libc_h.EPERM -> new HypervisorException(Kind.PERMISSION_DENIED, "No permission to use "
                    + device + ": this user may not open it for reading and writing (add the user to the group"
                    + " owning it, usually 'kvm').");
            default -> new HypervisorException(Kind.FAILED,
                    "Cannot open " + device + ": " + NativeFailure.describe(errno) + ".");
        };
    }

    private static VcpuSetup probe(Path device, KvmKernel kernel, int fd, boolean useSyncRegisters, Arena arena)
            throws HypervisorException {
        long version = kernel.ioctl(fd, KVM_GET_API_VERSION, 0L);
        if (version < 0) {
            throw new HypervisorException(Kind.UNSUPPORTED, device + " is not a KVM device (KVM_GET_API_VERSION failed: "
                    + NativeFailure.describe((int) -version) + ").");
        }
        if (version != KVM_API_VERSION) {
            throw new HypervisorException(Kind.UNSUPPORTED,
                    device + " speaks KVM API version " + version + ", this backend needs " + KVM_API_VERSION + ".");
        }
        requireCapability(device, kernel, fd, KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY");
        requireCapability(device, kernel, fd, KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID");
        requireCapability(device, kernel, fd, KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT");
        long syncMask = Math.max(0, kernel.ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS));
        boolean syncSregs = useSyncRegisters && (syncMask & KVM_SYNC_X86_SREGS) != 0;
        boolean syncRegs = useSyncRegisters && (syncMask & KVM_SYNC_X86_REGS) != 0;

        long runMmapSize = kernel.ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0L);
        if (runMmapSize < kvm_run.layout().byteSize()) {
            throw new HypervisorException(Kind.UNSUPPORTED, device + " reports a kvm_run area of " + runMmapSize
                    + " bytes, smaller than struct kvm_run (" + kvm_run.layout().byteSize() + ").");
        }
        MemorySegment cpuid = supportedCpuid(kernel, fd, arena);
        LOG.debug("{}: API {}, kvm_run {} bytes, sync sregs {}, {} CPUID entries", device, version, runMmapSize,
                syncSregs, kvm_cpuid2.nent(cpuid));
        MemorySegment heapCopy = MemorySegment.ofArray(new byte[(int) cpuid.byteSize()]).copyFrom(cpuid);
        return new VcpuSetup(runMmapSize, syncSregs, syncRegs, heapCopy.asReadOnly());
    }

    private static void requireCapability(Path device, KvmKernel kernel, int fd, int capability, String name)
            throws HypervisorException {
        if (kernel.ioctl(fd, KVM_CHECK_EXTENSION, capability) <= 0) {
            throw new HypervisorException(Kind.UNSUPPORTED, device + " lacks " + name + ", which this backend needs.");
        }
    }

    /**
     * {@code KVM_GET_SUPPORTED_CPUID}, trimmed to the entries KVM filled in, with the APIC IDs of
     * our one vCPU ({@link #asVcpuZero}).
     */
    private static MemorySegment supportedCpuid(KvmKernel kernel, int fd, Arena arena) throws HypervisorException {
        long header = kvm_cpuid2.layout().byteSize();
        long entrySize = kvm_cpuid_entry2.layout().byteSize();
        for (int capacity = FIRST_CPUID_GUESS; capacity <= MAX_CPUID_ENTRIES; capacity *= 2) {
            MemorySegment cpuid = arena.allocate(header + capacity * entrySize, 8);
            kvm_cpuid2.nent(cpuid, capacity);
            long result = kernel.ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid);
            if (result == 0) {
                int filled = kvm_cpuid2.nent(cpuid);
                if (filled < 0 || filled > capacity) { // a VMM process's answer is checked like any other
                    throw VmmRing.malformed("KVM_GET_SUPPORTED_CPUID filled " + filled + " of " + capacity + " entries");
                }
                for (int i = 0; i < filled; i++) {
                    asVcpuZero(cpuid.asSlice(header + i * entrySize, entrySize));
                }
                return cpuid.asSlice(0, header + filled * entrySize);
            }
            if (result != -libc_h.E2BIG) {
                throw NativeFailure.of("KVM_GET_SUPPORTED_CPUID", (int) -result);
            }
        }
        throw new HypervisorException(Kind.UNSUPPORTED, "KVM reports more than " + MAX_CPUID_ENTRIES + " CPUID entries.");
    }

    /**
     * Gives a CPUID entry the APIC IDs of vCPU 0, the only vCPU of our VMs. PVM passes through
     * those of the host CPU the calling thread runs on (leaf 1 EBX[31:24], leaves 0xB and 0x1F
     * EDX), so without this the guest would see whichever CPU opened the device, and the CPUID
     * digest that tags snapshots would differ from run to run, refusing good templates.
     */
    static void asVcpuZero(MemorySegment entry) {
        switch (kvm_cpuid_entry2.function(entry)) {
            case 0x1 -> kvm_cpuid_entry2.ebx(entry, kvm_cpuid_entry2.ebx(entry) & 0x00ff_ffff);
            case 0xb, 0x1f -> kvm_cpuid_entry2.edx(entry, 0);
            case 0x8000_001e -> kvm_cpuid_entry2.eax(entry, 0); // AMD's extended APIC ID
            default -> { }
        }
    }

    /** What snapshots taken here are tagged with, and clones checked against. */
    SnapshotOrigin origin() {
        return origin;
    }

    /** The supported CPUID the vCPUs get, for tests. */
    VcpuSetup vcpuSetup() {
        return vcpuSetup;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Entries of the supported CPUID (a heap copy, trimmed to them: its header is not aligned for reading). */
    private long cpuidLeaves() {
        return (vcpuSetup.supportedCpuid().byteSize() - kvm_cpuid2.layout().byteSize())
                / kvm_cpuid_entry2.layout().byteSize();
    }

    /** The API version and capabilities {@link #open(Path)} checked, and what the vCPUs get. */
    @Override
    public String describe() {
        return "KVM API " + KVM_API_VERSION + " with the capabilities this backend needs, "
                + cpuidLeaves() + " CPUID leaves, privilege level at exits from "
                + (vcpuSetup.syncSpecialRegisters() ? "synced registers" : "KVM_GET_SREGS")
                + (pool == null ? ", in this process" : (pool.vmsPerProcess() == 1 ? ", each VM in a VMM process"
                        : ", up to " + pool.vmsPerProcess() + " VMs in a VMM process") + " confined with "
                        + String.join(", ", pool.confinement())
                        + "; warm starts: each clone's RAM a copy of its template's data, made in this process");
    }

    @Override
    public VirtualMachine createVm(long memorySize) throws HypervisorException {
        if (memorySize <= 0 || memorySize % GuestRam.PAGE_SIZE != 0) {
            throw new IllegalArgumentException(
                    "guest memory size must be a positive multiple of " + GuestRam.PAGE_SIZE + ": " + memorySize);
        }
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the KVM hypervisor is closed");
            }
            Host host = newVmHost();
            return KvmVirtualMachine.create(host.kernel(), host.kvmFd(), memorySize, vcpuSetup, origin);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** Where a new VM is made: {@code kvmFd} of {@code kernel}, which the VM owns from then on. */
    private record Host(KvmKernel kernel, int kvmFd) {}

    /** This process's KVM, or a VMM process from the pool, given back when the VM closes. Under the read lock. */
    private Host newVmHost() throws HypervisorException {
        if (pool == null) {
            return new Host(LocalKvmKernel.INSTANCE, kvmFd);
        }
        VmmProcess vmm = pool.take();
        try {
            return new Host(new RemoteKvmKernel(vmm, () -> pool.release(vmm)), vmm.kvmFd(device));
        } catch (HypervisorException e) {
            pool.release(vmm);
            throw e;
        }
    }

    @Override
    public ClonedVm cloneVm(VmSnapshot snapshot, Clock clock) throws HypervisorException {
        if (!(snapshot instanceof KvmVmSnapshot kvmSnapshot)) {
            throw new HypervisorException(Kind.UNSUPPORTED, "Another backend took this snapshot: " + snapshot.info());
        }
        if (snapshot.info().flavour() != origin.flavour()
                || !origin.cpuidDigest().equals(snapshot.info().tags().get(SnapshotOrigin.CPUID_TAG))) {
            throw new HypervisorException(Kind.UNSUPPORTED,
                    "The snapshot was taken on another KVM flavour or with another CPUID than this host's.");
        }
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the KVM hypervisor is closed");
            }
            Host host = newVmHost();
            try {
                return kvmSnapshot.cloneVm(host.kernel(), host.kvmFd(), vcpuSetup, origin, clock);
            } catch (HypervisorException | RuntimeException e) {
                host.kernel().release(); // a closed snapshot refuses before the VM takes the kernel
                throw e;
            }
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /**
     * Checks the file ({@link SnapshotFile}), that this flavour of KVM with this host's CPUID took
     * it and that it has {@code requiredTags}, then reads its pages into a new sealed memfd.
     */
    @Override
    public VmSnapshot loadSnapshot(Path file, Map<String, String> requiredTags)
            throws SnapshotRefusedException, HypervisorException {
        return SealedSnapshot.load(file, NAME, origin.flavour(), requiredTags, origin.tags(),
                (info, cpuState, ram) -> new KvmVmSnapshot(info, KvmCpuState.decode(cpuState), ram));
    }

    @Override
    public void close() {
        fdLock.writeLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            if (!closed) {
                closed = true;
                if (pool != null) {
                    pool.close();
                } else {
                    close(arena.allocate(libc_h.CALL_STATE_LAYOUT), kvmFd);
                }
            }
        } finally {
            fdLock.writeLock().unlock();
        }
    }

    private static void close(MemorySegment callState, int fd) {
        if (dev.hyperlight.nanvix.hostmem.sys.libc_h.close(callState, fd) != 0) {
            LOG.warn("close of /dev/kvm descriptor {} failed: {}", fd, NativeFailure.describe(libc_h.errno(callState)));
        }
    }
}
