package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.util.Objects;

/**
 * A runtime's VM captured where it waits for its start message: booted, its interpreter
 * initialised, its vCPU stopped inside an unanswered {@code read} of {@link #startFd()} ({@link
 * MicroVm#prepare}). A warm run is a copy-on-write clone of it that answers that read with its own
 * message ({@link MicroVm.Clone}). Immutable and shared by threads; closing it releases the
 * snapshot once no clone maps it any more.
 *
 * @param hypercallPage guest-physical address of the hypercall page the vCPU is stopped in
 * @param startFd the fd the guest reads its start message from
 */
public record Template(VmSnapshot snapshot, long hypercallPage, int startFd) implements AutoCloseable {

    public Template {
        Objects.requireNonNull(snapshot, "snapshot");
    }

    @Override
    public void close() {
        snapshot.close();
    }
}
