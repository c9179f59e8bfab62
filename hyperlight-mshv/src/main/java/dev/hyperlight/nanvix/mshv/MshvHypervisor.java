package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;

import dev.hyperlight.nanvix.hostmem.KickSignal;
import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.SealedSnapshot;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorException.Kind;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mshv backend: holds {@code /dev/mshv} open and creates partitions, and partitions cloned from
 * snapshots ({@link MshvVmSnapshot}). Thread-safe. Partitions it created stay usable after it is
 * closed (each has its own descriptor).
 */
public final class MshvHypervisor implements Hypervisor {

    static final String NAME = "mshv";
    static final Path DEVICE = Path.of("/dev/mshv");

    private static final Logger LOG = LoggerFactory.getLogger(MshvHypervisor.class);

    private final MshvKernel kernel;
    private final int mshvFd;
    private final String api;
    private final SnapshotOrigin origin;
    /** Readers use {@code mshvFd}; {@link #close()} writes, so the descriptor is never closed mid-call. */
    private final ReadWriteLock fdLock = new ReentrantReadWriteLock();
    private boolean closed;

    private MshvHypervisor(MshvKernel kernel, int mshvFd, String api, SnapshotOrigin origin) {
        this.kernel = kernel;
        this.mshvFd = mshvFd;
        this.api = api;
        this.origin = origin;
    }

    /** Opens {@code device} through the C library; {@code flavour} is what runs partitions behind it. */
    static MshvHypervisor open(Path device, Flavour flavour) throws HypervisorException {
        return open(device, new LibcMshvKernel(), flavour);
    }

    /** Opens {@code device} through {@code kernel} (tests put a harness there). */
    static MshvHypervisor open(Path device, MshvKernel kernel, Flavour flavour) throws HypervisorException {
        int fd = kernel.open(device);
        if (fd < 0) {
            throw openFailure(device, -fd);
        }
        try {
            String api = probe(kernel, fd);
            KickSignal.install(); // VPs cannot be interrupted without it
            return new MshvHypervisor(kernel, fd, api, SnapshotOrigin.of(flavour, device));
        } catch (HypervisorException | RuntimeException e) {
            kernel.close(fd);
            throw e;
        }
    }

    /** One clear sentence per reason the device cannot be opened. */
    static HypervisorException openFailure(Path device, int errno) {
        return switch (errno) {
            case libc_h.ENOENT -> new HypervisorException(Kind.DEVICE_MISSING, device
                    + " does not exist: this host is not Linux running as Hyper-V's root partition with the"
                    + " mshv_root driver.");
            case libc_h.EACCES, libc_h.EPERM -> new HypervisorException(Kind.PERMISSION_DENIED, "No permission to use "
                    + device + ": this user may not open it for reading and writing.");
            default -> new HypervisorException(Kind.FAILED,
                    "Cannot open " + device + ": " + NativeFailure.describe(errno) + ".");
        };
    }

    /**
     * What the device says of its API. The root driver's uapi has no version call; {@code
     * MSHV_CHECK_EXTENSION} (of the same header) answers where the driver implements it, else
     * {@code ENOTTY}: both are usable, and creating a partition is the real check.
     */
    private static String probe(MshvKernel kernel, int fd) throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capability = arena.allocateFrom(ValueLayout.JAVA_INT, MSHV_CAP_CORE_API_STABLE);
            int result = kernel.ioctl(fd, MSHV_CHECK_EXTENSION, capability);
            if (result > 0) {
                return "mshv core API stable (MSHV_CHECK_EXTENSION)";
            }
            if (result == 0) {
                throw new HypervisorException(Kind.UNSUPPORTED,
                        "The mshv driver reports its core API as not stable (MSHV_CAP_CORE_API_STABLE is 0).");
            }
            if (-result == libc_h.ENOTTY) {
                return "mshv root driver (no MSHV_CHECK_EXTENSION; partitions are the check)";
            }
            LOG.debug("MSHV_CHECK_EXTENSION failed: {}", NativeFailure.describe(-result));
            return "mshv root driver (MSHV_CHECK_EXTENSION: " + NativeFailure.describe(-result) + ")";
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        return api + "; partitions without SynIC or LAPIC, registers through hypercalls";
    }

    @Override
    public VirtualMachine createVm(long memorySize) throws HypervisorException {
        if (memorySize <= 0 || memorySize % MSHV_HV_PAGE_SIZE != 0) {
            throw new IllegalArgumentException(
                    "guest memory size must be a positive multiple of " + MSHV_HV_PAGE_SIZE + ": " + memorySize);
        }
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the mshv hypervisor is closed");
            }
            return MshvVirtualMachine.create(kernel, mshvFd, memorySize, origin);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /** What snapshots taken here are tagged with, and clones and loads checked against. */
    SnapshotOrigin origin() {
        return origin;
    }

    /**
     * A new partition whose RAM maps the snapshot's memfd private and whose VP is restored from
     * its state (the TSC as saved, whatever {@code clock} says: see {@link MshvVmSnapshot}).
     */
    @Override
    public ClonedVm cloneVm(VmSnapshot snapshot, Clock clock) throws HypervisorException {
        if (!(snapshot instanceof MshvVmSnapshot mshvSnapshot)) {
            throw new HypervisorException(Kind.UNSUPPORTED, "Another backend took this snapshot: " + snapshot.info());
        }
        if (snapshot.info().flavour() != origin.flavour()
                || !origin.cpuDigest().equals(snapshot.info().tags().get(SnapshotOrigin.CPU_TAG))) {
            throw new HypervisorException(Kind.UNSUPPORTED,
                    "The snapshot was taken on another flavour, processor or device than this host's mshv.");
        }
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the mshv hypervisor is closed");
            }
            return mshvSnapshot.cloneVm(kernel, mshvFd, origin);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    /**
     * Checks the file ({@link SnapshotFile}), that mshv on this flavour, processor and device took
     * it and that it has {@code requiredTags}, then reads its pages into a new sealed memfd.
     */
    @Override
    public VmSnapshot loadSnapshot(Path file, Map<String, String> requiredTags)
            throws SnapshotRefusedException, HypervisorException {
        return SealedSnapshot.load(file, NAME, origin.flavour(), requiredTags, origin.tags(),
                (info, cpuState, ram) -> new MshvVmSnapshot(info, MshvCpuState.decode(cpuState), ram));
    }

    @Override
    public void close() {
        fdLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                int result = kernel.close(mshvFd);
                if (result < 0) {
                    LOG.warn("close of /dev/mshv descriptor {} failed: {}", mshvFd, NativeFailure.describe(-result));
                }
            }
        } finally {
            fdLock.writeLock().unlock();
        }
    }
}
