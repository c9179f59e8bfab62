package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;

import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorException.Kind;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid2;
import dev.hyperlight.nanvix.kvm.sys.kvm_cpuid_entry2;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import dev.hyperlight.nanvix.kvm.sys.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
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

    private final int kvmFd;
    private final VcpuSetup vcpuSetup;
    private final SnapshotOrigin origin;
    /** Readers use {@code kvmFd}; {@link #close()} writes, so the descriptor is never closed mid-call. */
    private final ReadWriteLock fdLock = new ReentrantReadWriteLock();
    private boolean closed;

    private KvmHypervisor(int kvmFd, VcpuSetup vcpuSetup) {
        this.kvmFd = kvmFd;
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
                VcpuSetup setup = probe(device, fd, useSyncRegisters, callState, arena);
                KickSignal.install(); // vCPUs cannot be interrupted without it
                return new KvmHypervisor(fd, setup);
            } catch (HypervisorException | RuntimeException e) {
                close(callState, fd);
                throw e;
            }
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

    private static VcpuSetup probe(Path device, int fd, boolean useSyncRegisters, MemorySegment callState,
            Arena arena) throws HypervisorException {
        int version = libc_h.ioctl(callState, fd, KVM_GET_API_VERSION, 0L);
        if (version < 0) {
            throw new HypervisorException(Kind.UNSUPPORTED, device + " is not a KVM device (KVM_GET_API_VERSION failed: "
                    + NativeFailure.describe(libc_h.errno(callState)) + ").");
        }
        if (version != KVM_API_VERSION) {
            throw new HypervisorException(Kind.UNSUPPORTED,
                    device + " speaks KVM API version " + version + ", this backend needs " + KVM_API_VERSION + ".");
        }
        requireCapability(device, fd, callState, KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY");
        requireCapability(device, fd, callState, KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID");
        requireCapability(device, fd, callState, KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT");
        long syncMask = Math.max(0, libc_h.ioctl(callState, fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS));
        boolean syncSregs = useSyncRegisters && (syncMask & KVM_SYNC_X86_SREGS) != 0;

        int runMmapSize = libc_h.ioctl(callState, fd, KVM_GET_VCPU_MMAP_SIZE, 0L);
        if (runMmapSize < kvm_run.layout().byteSize()) {
            throw new HypervisorException(Kind.UNSUPPORTED, device + " reports a kvm_run area of " + runMmapSize
                    + " bytes, smaller than struct kvm_run (" + kvm_run.layout().byteSize() + ").");
        }
        MemorySegment cpuid = supportedCpuid(fd, callState, arena);
        LOG.debug("{}: API {}, kvm_run {} bytes, sync sregs {}, {} CPUID entries", device, version, runMmapSize,
                syncSregs, kvm_cpuid2.nent(cpuid));
        MemorySegment heapCopy = MemorySegment.ofArray(new byte[(int) cpuid.byteSize()]).copyFrom(cpuid);
        return new VcpuSetup(runMmapSize, syncSregs, heapCopy.asReadOnly());
    }

    private static void requireCapability(Path device, int fd, MemorySegment callState, int capability, String name)
            throws HypervisorException {
        if (libc_h.ioctl(callState, fd, KVM_CHECK_EXTENSION, capability) <= 0) {
            throw new HypervisorException(Kind.UNSUPPORTED, device + " lacks " + name + ", which this backend needs.");
        }
    }

    /** {@code KVM_GET_SUPPORTED_CPUID}, trimmed to the entries KVM filled in. */
    private static MemorySegment supportedCpuid(int fd, MemorySegment callState, Arena arena)
            throws HypervisorException {
        long header = kvm_cpuid2.layout().byteSize();
        long entrySize = kvm_cpuid_entry2.layout().byteSize();
        for (int capacity = FIRST_CPUID_GUESS; capacity <= MAX_CPUID_ENTRIES; capacity *= 2) {
            MemorySegment cpuid = arena.allocate(header + capacity * entrySize, 8);
            kvm_cpuid2.nent(cpuid, capacity);
            if (libc_h.ioctl(callState, fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
                return cpuid.asSlice(0, header + kvm_cpuid2.nent(cpuid) * entrySize);
            }
            if (libc_h.errno(callState) != libc_h.E2BIG) {
                throw NativeFailure.of("KVM_GET_SUPPORTED_CPUID", libc_h.errno(callState));
            }
        }
        throw new HypervisorException(Kind.UNSUPPORTED, "KVM reports more than " + MAX_CPUID_ENTRIES + " CPUID entries.");
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
                + (vcpuSetup.syncSpecialRegisters() ? "synced registers" : "KVM_GET_SREGS");
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
            return KvmVirtualMachine.create(kvmFd, memorySize, vcpuSetup, origin);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    @Override
    public ClonedVm cloneVm(VmSnapshot snapshot) throws HypervisorException {
        return cloneVm(snapshot, Clock.systemUTC());
    }

    /** {@link #cloneVm(VmSnapshot)} with the time since the snapshot measured on {@code clock}. */
    ClonedVm cloneVm(VmSnapshot snapshot, Clock clock) throws HypervisorException {
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
            return kvmSnapshot.cloneVm(kvmFd, vcpuSetup, origin, clock);
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
        try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
            Map<String, String> required = new TreeMap<>(requiredTags);
            required.putAll(origin.tags());
            reader.require(NAME, origin.flavour(), required);
            byte[][] cpuState = new byte[1][];
            SnapshotRam ram = SnapshotRam.filled(reader.info().memorySize(),
                    target -> cpuState[0] = reader.readInto(target));
            try {
                return new KvmVmSnapshot(reader.info(), KvmCpuState.decode(cpuState[0]), ram);
            } catch (IllegalArgumentException e) {
                ram.close();
                throw new SnapshotRefusedException(SnapshotRefusedException.Reason.DAMAGED, "The snapshot " + file
                        + " has a CPU state this backend cannot load (" + e.getMessage() + ").", e);
            }
        }
    }

    @Override
    public void close() {
        fdLock.writeLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            if (!closed) {
                closed = true;
                close(arena.allocate(libc_h.CALL_STATE_LAYOUT), kvmFd);
            }
        } finally {
            fdLock.writeLock().unlock();
        }
    }

    private static void close(MemorySegment callState, int fd) {
        if (dev.hyperlight.nanvix.kvm.sys.libc_h.close(callState, fd) != 0) {
            LOG.warn("close of /dev/kvm descriptor {} failed: {}", fd, NativeFailure.describe(libc_h.errno(callState)));
        }
    }
}
