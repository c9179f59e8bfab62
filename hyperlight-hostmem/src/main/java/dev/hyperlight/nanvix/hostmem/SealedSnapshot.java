package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import dev.hyperlight.nanvix.hypervisor.SnapshotInfo;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.BitSet;
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
