package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What every backend's snapshot is besides its CPU state: its {@link SnapshotInfo} and its {@link
 * SnapshotRam}, saved in the {@link SnapshotFile} format, and closed once. A backend adds its CPU
 * state and its clone ({@link #whileOpen}, so that the RAM is never closed under a clone being
 * made or a save).
 */
public abstract class SealedSnapshot implements VmSnapshot {

    private final SnapshotInfo info;
    private final SnapshotRam ram;
    /** Readers clone and save; {@link #close()} writes, so RAM is never closed under them. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    protected SealedSnapshot(SnapshotInfo info, SnapshotRam ram) {
        this.info = info;
        this.ram = ram;
    }

    /** Something done with the snapshot's RAM while the snapshot is open. */
    @FunctionalInterface
    protected interface RamUse<T, E extends Exception> {
        T use(SnapshotRam ram) throws E;
    }

    /** Makes a backend's snapshot from what {@link #load} read; IllegalArgumentException: a CPU state it cannot decode. */
    @FunctionalInterface
    public interface Loaded {
        VmSnapshot make(SnapshotInfo info, byte[] cpuState, SnapshotRam ram);
    }

    /**
     * Checks {@code file} ({@link SnapshotFile}), that {@code hypervisor} on {@code flavour} took it
     * and that it has {@code requiredTags} and the backend's {@code originTags}, then reads its
     * pages into a new sealed memfd and makes the backend's snapshot with {@code make}.
     */
    public static VmSnapshot load(Path file, String hypervisor, Flavour flavour, Map<String, String> requiredTags,
            Map<String, String> originTags, Loaded make) throws SnapshotRefusedException, HypervisorException {
        try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
            Map<String, String> required = new TreeMap<>(requiredTags);
            required.putAll(originTags);
            reader.require(hypervisor, flavour, required);
            byte[][] cpuState = new byte[1][];
            SnapshotRam ram = SnapshotRam.filled(reader.info().memorySize(),
                    target -> cpuState[0] = reader.readInto(target));
            try {
                return make.make(reader.info(), cpuState[0], ram);
            } catch (IllegalArgumentException e) {
                ram.close();
                throw new SnapshotRefusedException(SnapshotRefusedException.Reason.DAMAGED, "The snapshot " + file
                        + " has a CPU state this backend cannot load (" + e.getMessage() + ").", e);
            }
        }
    }

    /** The backend's encoding of its CPU state, for the file. */
    protected abstract byte[] encodedCpuState();

    @Override
    public final SnapshotInfo info() {
        return info;
    }

    @Override
    public final MemorySegment memory() {
        return ram.memory();
    }

    /** How many pages of RAM the snapshot holds data for (outside its memfd's holes), for tests. */
    public final long dataPages() throws HypervisorException {
        return ram.pagesWithData().cardinality();
    }

    /** The seals of the RAM's memfd, for tests. */
    public final int seals() throws HypervisorException {
        return ram.seals();
    }

    /**
     * Runs {@code use} with the RAM, which stays open until it returns.
     *
     * @throws IllegalStateException once the snapshot is closed
     */
    protected final <T, E extends Exception> T whileOpen(RamUse<T, E> use) throws E {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the snapshot is closed");
            }
            return use.use(ram);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Stores the pages outside the memfd's holes that are not all zero. */
    @Override
    public final void save(Path file) throws IOException {
        whileOpen(ram -> {
            BitSet pages;
            try {
                pages = ram.pagesWithData();
            } catch (HypervisorException e) {
                throw new IOException("cannot find the snapshot's pages: " + e.getMessage(), e);
            }
            SnapshotFile.write(file, info, encodedCpuState(), ram.memory(), page -> pages.get((int) page));
            return null;
        });
    }

    @Override
    public final void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                ram.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
