package dev.hyperlight.nanvix.hypervisor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A VM captured at an exit ({@link VirtualMachine#snapshot}) or loaded from a file ({@link
 * Hypervisor#loadSnapshot}): a copy of its guest RAM, its vCPU's state and {@link SnapshotInfo}.
 * Immutable and safe to share between threads; {@link Hypervisor#cloneVm} makes VMs from it. Closing
 * it releases its copy of RAM once no clone maps it any more; clones made before stay valid.
 */
public interface VmSnapshot extends AutoCloseable {

    SnapshotInfo info();

    /** The vCPU's state at the exit it was taken at, for the backend that took it. */
    CpuState cpuState();

    /**
     * The RAM copy, read-only, guest-physical address 0 at offset 0. Valid until {@link #close()}.
     * Pages the guest never touched read as zero, though a backend may have to allocate them to
     * do so: read the pages you need, not all of it.
     */
    MemorySegment memory();

    /**
     * Writes this snapshot to {@code file} in the {@link SnapshotFile} format (replacing it
     * atomically: a reader never sees a half-written file).
     */
    void save(Path file) throws IOException;

    @Override
    void close();
}
