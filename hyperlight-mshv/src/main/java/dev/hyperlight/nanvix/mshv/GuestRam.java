package dev.hyperlight.nanvix.mshv;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.mshv.sys.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition's guest RAM: anonymous private memory of this process, committed page by page as
 * the guest touches it, between two {@code PROT_NONE} guard pages so that an off-by-one on the host
 * faults instead of reading a neighbour. {@code MSHV_SET_GUEST_MEMORY} maps it into the partition.
 */
final class GuestRam implements AutoCloseable {

    static final long PAGE_SIZE = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(GuestRam.class);

    private final MemorySegment mapping;
    private final long mappingSize;
    private final Arena arena;
    private final MemorySegment memory;
    private boolean closed;

    private GuestRam(MemorySegment mapping, long mappingSize, Arena arena, MemorySegment memory) {
        this.mapping = mapping;
        this.mappingSize = mappingSize;
        this.arena = arena;
        this.memory = memory;
    }

    @SuppressWarnings("restricted") // sizes the segment to the mapping made
    static GuestRam map(long size) throws HypervisorException {
        long mappingSize = size + 2 * PAGE_SIZE;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            MemorySegment mapping = libc_h.mmap(callState, MemorySegment.NULL, mappingSize, libc_h.PROT_NONE,
                    libc_h.MAP_PRIVATE | libc_h.MAP_ANONYMOUS | libc_h.MAP_NORESERVE, -1, 0);
            if (mapping.address() == libc_h.MAP_FAILED) {
                throw NativeFailure.of("mmap of " + size + " bytes of guest RAM", libc_h.errno(callState));
            }
            MemorySegment ram = MemorySegment.ofAddress(mapping.address() + PAGE_SIZE);
            if (libc_h.mprotect(callState, ram, size, libc_h.PROT_READ | libc_h.PROT_WRITE) != 0) {
                int errno = libc_h.errno(callState);
                libc_h.munmap(callState, mapping, mappingSize);
                throw NativeFailure.of("mprotect of guest RAM", errno);
            }
            // A shared arena: the VMM reads guest memory from threads other than the VP's.
            Arena arena = Arena.ofShared();
            return new GuestRam(mapping, mappingSize, arena, ram.reinterpret(size, arena, null));
        }
    }

    /** The RAM, guest-physical address 0 at offset 0. */
    MemorySegment memory() {
        return memory;
    }

    /** Invalidates {@link #memory()} (later accesses throw instead of faulting), then unmaps. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        arena.close();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.munmap(callState, mapping, mappingSize) != 0) {
                LOG.warn("munmap of guest RAM failed: {}", NativeFailure.describe(libc_h.errno(callState)));
            }
        }
    }
}
