package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import java.util.Objects;

/**
 * A VM captured where it waits for its start message: a runtime's, its interpreter initialised,
 * or an ELF program's, the guest kernel having loaded it; its vCPU stopped inside an unanswered
 * {@code read} of {@link #startFd()} ({@link
 * MicroVm#prepare}). A warm run is a copy-on-write clone of it that answers that read with its own
 * message ({@link MicroVm.Clone}). Immutable and shared by threads; closing it releases the
 * snapshot once no clone maps it any more.
 *
 * @param hypercallPage guest-physical address of the hypercall page the vCPU is stopped in
 * @param startFd the fd the guest reads its start message from
 * @param clock guest-physical address of the guest kernel's clock (its vvar page), which a clone's
 *     host moves on to the clone's TSC ({@link GuestClock}); 0 when the kernel named none
 */
public record Template(VmSnapshot snapshot, long hypercallPage, int startFd, long clock) implements AutoCloseable {

    /** The snapshot tag that holds {@link #hypercallPage()} (hex). */
    public static final String HYPERCALL_PAGE_TAG = "template-hypercall-page";
    /** The snapshot tag that holds {@link #startFd()} (decimal). */
    public static final String START_FD_TAG = "template-start-fd";
    /** The snapshot tag that holds {@link #clock()} (hex); absent when it is 0. */
    public static final String CLOCK_TAG = "template-clock";
    private static final long PAGE_SIZE = 4096;
    private static final int MAX_FD = 1 << 20;

    public Template {
        Objects.requireNonNull(snapshot, "snapshot");
        if (hypercallPage < 0 || hypercallPage % PAGE_SIZE != 0
                || hypercallPage > snapshot.info().memorySize() - PAGE_SIZE) {
            throw new IllegalArgumentException("the hypercall page 0x" + Long.toHexString(hypercallPage)
                    + " is not a page of the snapshot's RAM");
        }
        if (startFd < 0 || startFd >= MAX_FD) {
            throw new IllegalArgumentException("start fd out of range: " + startFd);
        }
        // The kernel's word, kept in a snapshot file: its clock is a page of its own in RAM.
        if (clock != 0 && (clock < 0 || clock % PAGE_SIZE != 0 || clock > snapshot.info().memorySize() - PAGE_SIZE)) {
            throw new IllegalArgumentException("the clock 0x" + Long.toHexString(clock)
                    + " is not a page of the snapshot's RAM");
        }
    }

    /**
     * The template a snapshot {@link MicroVm#prepare} took holds, from its tags (a snapshot loaded
     * from a file, say).
     *
     * @throws IllegalArgumentException when the tags are missing or out of range; the caller
     *     closes the snapshot
     */
    public static Template of(VmSnapshot snapshot) {
        String page = snapshot.info().tags().get(HYPERCALL_PAGE_TAG);
        String fd = snapshot.info().tags().get(START_FD_TAG);
        String clock = snapshot.info().tags().getOrDefault(CLOCK_TAG, "0");
        if (page == null || fd == null) {
            throw new IllegalArgumentException("the snapshot was not taken at a start point");
        }
        try {
            return new Template(snapshot, Long.parseUnsignedLong(page, 16), Integer.parseInt(fd),
                    Long.parseUnsignedLong(clock, 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the snapshot's start-point tags are malformed", e);
        }
    }

    @Override
    public void close() {
        snapshot.close();
    }
}
