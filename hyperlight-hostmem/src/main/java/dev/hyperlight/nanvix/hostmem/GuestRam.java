package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guest RAM on the host, for every backend (KVM's memory slot, mshv's {@code
 * MSHV_SET_GUEST_MEMORY}): one mapping of {@code size} bytes, anonymous ({@link #map}) or of
 * a snapshot's memfd ({@link #mapPrivateCopy}), between two {@code PROT_NONE} guard pages, so that
 * a host-side overrun off either end faults instead of touching a neighbouring mapping. {@link
 * #memory()} covers the RAM only and dies with {@link #close()}.
 *
 * <p>{@code callState} arguments are segments of the linker's capture-state layout ({@link
 * java.lang.foreign.Linker.Option#captureStateLayout()}, the backends' {@code CALL_STATE_LAYOUT}).
 *
 * <p>The RAM starts on a 2 MiB boundary; anonymous RAM is advised for transparent huge pages: where the guest
 * kernel maps a 2 MiB large page and the host backs it with a huge page, KVM maps it with one entry
 * instead of 512, so that the program's first touches there cost no exit each (under PVM's shadow
 * paging: 3-8 us instead of 20-40 us per page, docs/benchmarks.md). The price is that the host
 * commits guest RAM 2 MiB at a time where it can.
 */
public final class GuestRam implements AutoCloseable {

    public static final long PAGE_SIZE = 4096;
    private static final long HUGE_PAGE_SIZE = 2L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(GuestRam.class);
    /** Pagemap entries read at once. */
    private static final int PAGEMAP_CHUNK = 8192;
    /** Pagemap bit 61: the page is a file's or shared anonymous memory (bit 63, the sign: present). */
    private static final long PAGEMAP_FILE_OR_SHARED = 1L << 61;

    private final MemorySegment mapping;
    private final long mappingSize;
    private final Arena arena;
    private final MemorySegment memory;
    /** The snapshot a clone's RAM maps ({@link #mapClone}), told at close what the clone wrote; else null. */
    private SnapshotRam source;
    private boolean closed;

    private GuestRam(MemorySegment mapping, long mappingSize, Arena arena, MemorySegment memory) {
        this.mapping = mapping;
        this.mappingSize = mappingSize;
        this.arena = arena;
        this.memory = memory;
    }

    /** Maps {@code size} bytes (a positive multiple of {@link #PAGE_SIZE}) of zeroed RAM. */
    public static GuestRam map(long size, MemorySegment callState) throws HypervisorException {
        Reservation reservation = reserve(size, callState);
        if (libc_h.mprotect(callState, reservation.ram(), size, libc_h.PROT_READ | libc_h.PROT_WRITE) != 0) {
            int errno = libc_h.errno(callState);
            reservation.release(callState);
            throw NativeFailure.of("mprotect of guest RAM", errno);
        }
        if (libc_h.madvise(callState, reservation.ram(), size, libc_h.MADV_HUGEPAGE) != 0) {
            // Only slower first touches: a host without transparent huge pages still runs guests.
            LOG.debug("madvise(MADV_HUGEPAGE) of guest RAM failed: {}", NativeFailure.describe(libc_h.errno(callState)));
        }
        return reservation.toRam(size);
    }

    /**
     * Maps the first {@code size} bytes of the file {@code fd} (a snapshot's sealed memfd) as RAM,
     * private: reads see the file's pages, a write copies the page it hits into this RAM alone, so
     * the host work is the same for any size and only written pages cost memory (as long as the
     * hypervisor does not take write access to pages the guest only reads: see docs/architecture.md
     * for mshv).
     */
    public static GuestRam mapPrivateCopy(long size, int fd, MemorySegment callState) throws HypervisorException {
        Reservation reservation = reserve(size, callState);
        // MAP_FIXED over our own PROT_NONE reservation: it replaces nothing else.
        MemorySegment mapped = libc_h.mmap(callState, reservation.ram(), size, libc_h.PROT_READ | libc_h.PROT_WRITE,
                libc_h.MAP_PRIVATE | libc_h.MAP_FIXED | libc_h.MAP_NORESERVE, fd, 0);
        if (mapped.address() == libc_h.MAP_FAILED) {
            int errno = libc_h.errno(callState);
            reservation.release(callState);
            throw NativeFailure.of("mmap of a snapshot's RAM", errno);
        }
        return reservation.toRam(size);
    }

    /**
     * A clone's RAM: {@link #mapPrivateCopy} of {@code snapshot}, with the pages a recent clone
     * had written already copied ({@code MADV_POPULATE_WRITE}): one call instead of a write
     * fault on each, which under PVM's shadow paging costs tens of microseconds (a warm CPython
     * writes about a thousand of the template's pages). The pages copied are those a run of the
     * same program wrote, so a clone commits about the memory it would have anyway. When closed,
     * the first clone and every 16th after it tell the snapshot which pages they wrote ({@code
     * /proc/self/pagemap}: present and no longer the file's).
     */
    public static GuestRam mapClone(SnapshotRam snapshot, MemorySegment callState) throws HypervisorException {
        GuestRam ram = mapPrivateCopy(snapshot.size(), snapshot.fd(), callState);
        ram.source = snapshot;
        BitSet pages = snapshot.pagesClonesWrite();
        for (int start = pages.nextSetBit(0); start >= 0; start = pages.nextSetBit(start)) {
            int end = pages.nextClearBit(start);
            MemorySegment range = MemorySegment.ofAddress(ram.memory.address() + start * PAGE_SIZE);
            if (end * PAGE_SIZE > ram.memory.byteSize()
                    || libc_h.madvise(callState, range, (end - start) * PAGE_SIZE, libc_h.MADV_POPULATE_WRITE) != 0) {
                // Older kernels (before 5.14) lack the advice: the guest's faults copy the pages.
                LOG.debug("MADV_POPULATE_WRITE of a clone's RAM failed: {}", NativeFailure.describe(libc_h.errno(callState)));
                break;
            }
            start = end;
        }
        return ram;
    }

    /**
     * Maps the first {@code size} bytes of {@code fd} (a VMM process's sealed guest-RAM memfd)
     * shared: the VMM's KVM and this process see the same pages.
     */
    public static GuestRam mapShared(long size, int fd, MemorySegment callState) throws HypervisorException {
        Reservation reservation = reserve(size, callState);
        // MAP_FIXED over our own PROT_NONE reservation: it replaces nothing else.
        MemorySegment mapped = libc_h.mmap(callState, reservation.ram(), size, libc_h.PROT_READ | libc_h.PROT_WRITE,
                libc_h.MAP_SHARED | libc_h.MAP_FIXED, fd, 0);
        if (mapped.address() == libc_h.MAP_FAILED) {
            int errno = libc_h.errno(callState);
            reservation.release(callState);
            throw NativeFailure.of("mmap of the VMM process's guest RAM", errno);
        }
        return reservation.toRam(size);
    }

    /** An address range of PROT_NONE pages, with the RAM's place in it on a 2 MiB boundary. */
    private record Reservation(MemorySegment mapping, long mappingSize, MemorySegment ram) {

        @SuppressWarnings("restricted") // sizes the segment to the mapping made
        GuestRam toRam(long size) {
            // A shared arena: the VMM may read guest memory from threads other than the vCPU's.
            Arena arena = Arena.ofShared();
            return new GuestRam(mapping, mappingSize, arena, ram.reinterpret(size, arena, null));
        }

        void release(MemorySegment callState) {
            libc_h.munmap(callState, mapping, mappingSize);
        }
    }

    private static Reservation reserve(long size, MemorySegment callState) throws HypervisorException {
        // Room for the guard pages and for moving the RAM up to the next 2 MiB boundary.
        long mappingSize = size + 2 * PAGE_SIZE + HUGE_PAGE_SIZE - PAGE_SIZE;
        // NORESERVE: RAM is committed page by page as the guest touches it, not all up front.
        MemorySegment mapping = libc_h.mmap(callState, MemorySegment.NULL, mappingSize, libc_h.PROT_NONE,
                libc_h.MAP_PRIVATE | libc_h.MAP_ANONYMOUS | libc_h.MAP_NORESERVE, -1, 0);
        if (mapping.address() == libc_h.MAP_FAILED) {
            throw NativeFailure.of("mmap of " + size + " bytes of guest RAM", libc_h.errno(callState));
        }
        long ramAddress = (mapping.address() + PAGE_SIZE + HUGE_PAGE_SIZE - 1) & -HUGE_PAGE_SIZE;
        return new Reservation(mapping, mappingSize, MemorySegment.ofAddress(ramAddress));
    }

    /** The RAM, guest-physical address 0 at offset 0. */
    public MemorySegment memory() {
        return memory;
    }

    /** Invalidates {@link #memory()} (later accesses throw instead of faulting), then unmaps. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (source != null && source.learnsFromClosingClone()) {
            try {
                source.learnClonesWrite(writtenPages());
            } catch (IOException | HypervisorException | RuntimeException e) {
                LOG.debug("cannot tell which pages a clone wrote: {}", e.toString());
            }
        }
        arena.close();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.munmap(callState, mapping, mappingSize) != 0) {
                LOG.warn("munmap of guest RAM failed: {}", NativeFailure.describe(libc_h.errno(callState)));
            }
        }
    }

    /**
     * The pages of this private mapping that writes made the process's own: present and no longer
     * the file's page ({@code /proc/self/pagemap}: bit 63 set, bit 61 clear; readable without
     * privilege, which only hides the frame numbers).
     */
    private BitSet writtenPages() throws IOException {
        int pages = (int) (memory.byteSize() / PAGE_SIZE);
        BitSet written = new BitSet(pages);
        ByteBuffer entries = ByteBuffer.allocate(PAGEMAP_CHUNK * Long.BYTES).order(ByteOrder.nativeOrder());
        try (FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            for (int first = 0; first < pages; first += PAGEMAP_CHUNK) {
                int count = Math.min(PAGEMAP_CHUNK, pages - first);
                entries.clear().limit(count * Long.BYTES);
                long position = (memory.address() / PAGE_SIZE + first) * Long.BYTES;
                while (entries.hasRemaining()) {
                    if (pagemap.read(entries, position + entries.position()) < 0) {
                        throw new IOException("pagemap ended early");
                    }
                }
                for (int i = 0; i < count; i++) {
                    long entry = entries.getLong(i * Long.BYTES);
                    if (entry < 0 && (entry & PAGEMAP_FILE_OR_SHARED) == 0) {
                        written.set(first + i);
                    }
                }
            }
        }
        return written;
    }
}
