package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot's copy of guest RAM, for every backend: a memfd, filled once, then sealed ({@code F_SEAL_WRITE}, {@code
 * F_SEAL_GROW}, {@code F_SEAL_SHRINK}, {@code F_SEAL_SEAL}), so that nothing, not even this
 * process, can change it any more. Clones in this process map it private ({@link
 * GuestRam#mapPrivateCopy}), and their mappings keep the file alive after {@link #close()}; clones
 * in a VMM process get a copy of its data ({@link #copyDataInto}): the file never leaves this
 * process. Pages never written are holes in the file: they cost no memory and read as zero.
 */
public final class SnapshotRam implements AutoCloseable {

    public static final String MEMFD_NAME = "hyperlight-snapshot";
    private static final int SEALS = libc_h.F_SEAL_WRITE | libc_h.F_SEAL_GROW | libc_h.F_SEAL_SHRINK
            | libc_h.F_SEAL_SEAL;
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotRam.class);
    private static final long MOST_LEARNED_BEYOND_DATA = 16L << 20;
    /**
     * How often a closing clone's writes are read ({@code /proc/self/pagemap}, about 0.7 ms for
     * 256 MiB of RAM): runs of one template write much the same pages, so not at every run's end.
     */
    private static final long RELEARN_EVERY = 16;

    /** Writes the RAM's content into a zeroed, writable mapping of it. */
    @FunctionalInterface
    public interface Filler<E extends Exception> {
        void fill(MemorySegment ram) throws E;
    }

    private final int fd;
    private final long size;
    private final Arena arena;
    private final MemorySegment memory;
    /** {@link #dataExtents()}, once found. */
    private long[] extents;
    /** The pages the last clone learned from had written ({@link GuestRam#mapClone}). */
    private volatile BitSet clonesWrite = new BitSet();
    /** Clones closed so far: every {@link #RELEARN_EVERY}th, from the first, is learned from. */
    private final AtomicLong clonesClosed = new AtomicLong();

    private SnapshotRam(int fd, long size, Arena arena, MemorySegment memory) {
        this.fd = fd;
        this.size = size;
        this.arena = arena;
        this.memory = memory;
    }

    /** A sealed copy of {@code source}'s non-zero pages (see {@link ResidentPages#copy}). */
    public static SnapshotRam copyOf(MemorySegment source) throws HypervisorException {
        return filled(source.byteSize(), ram -> ResidentPages.copy(source, ram, true));
    }

    /** A sealed memfd of {@code size} bytes with what {@code filler} wrote; closed again if it throws. */
    @SuppressWarnings("restricted") // sizes the segments to the mappings just made
    public static <E extends Exception> SnapshotRam filled(long size, Filler<E> filler) throws E, HypervisorException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            int fd = libc_h.memfd_create(callState, scratch.allocateFrom(MEMFD_NAME),
                    libc_h.MFD_CLOEXEC | libc_h.MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw NativeFailure.of("memfd_create", libc_h.errno(callState));
            }
            try {
                if (libc_h.ftruncate(callState, fd, size) != 0) {
                    throw NativeFailure.of("ftruncate of a snapshot's memfd to " + size + " bytes",
                            libc_h.errno(callState));
                }
                MemorySegment writable = map(fd, size, libc_h.PROT_READ | libc_h.PROT_WRITE, callState);
                try {
                    filler.fill(writable.reinterpret(size));
                } finally {
                    // F_SEAL_WRITE is refused while a shared writable mapping exists.
                    libc_h.munmap(callState, writable, size);
                }
                if (libc_h.fcntl(callState, fd, libc_h.F_ADD_SEALS, SEALS) != 0) {
                    throw NativeFailure.of("F_ADD_SEALS on a snapshot's memfd", libc_h.errno(callState));
                }
                MemorySegment readOnly = map(fd, size, libc_h.PROT_READ, callState);
                Arena arena = Arena.ofShared();
                MemorySegment memory = readOnly.reinterpret(size, arena, segment -> unmap(segment, size)).asReadOnly();
                return new SnapshotRam(fd, size, arena, memory);
            } catch (Exception | Error e) {
                libc_h.close(callState, fd);
                throw e;
            }
        }
    }

    private static MemorySegment map(int fd, long size, int protection, MemorySegment callState)
            throws HypervisorException {
        MemorySegment mapping = libc_h.mmap(callState, MemorySegment.NULL, size, protection,
                libc_h.MAP_SHARED | libc_h.MAP_NORESERVE, fd, 0);
        if (mapping.address() == libc_h.MAP_FAILED) {
            throw NativeFailure.of("mmap of a snapshot's memfd", libc_h.errno(callState));
        }
        return mapping;
    }

    private static void unmap(MemorySegment mapping, long size) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.munmap(callState, mapping, size) != 0) {
                LOG.warn("munmap of a snapshot's RAM failed: {}", NativeFailure.describe(libc_h.errno(callState)));
            }
        }
    }

    /** The memfd, for {@link GuestRam#mapPrivateCopy}. Valid until {@link #close()}. */
    public int fd() {
        return fd;
    }

    public long size() {
        return size;
    }

    /**
     * The RAM, read-only, valid until {@link #close()}. Reading a page that was never written
     * allocates it in the file (tmpfs does so on a fault): read only pages {@link #pagesWithData()}
     * names, or a few.
     */
    public MemorySegment memory() {
        return memory;
    }

    /** The seals on the memfd ({@code F_GET_SEALS}). */
    public int seals() throws HypervisorException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            int seals = libc_h.fcntl(callState, fd, libc_h.F_GET_SEALS, 0);
            if (seals < 0) {
                throw NativeFailure.of("F_GET_SEALS", libc_h.errno(callState));
            }
            return seals;
        }
    }

    /**
     * The pages (by index) a clone of this snapshot is expected to write: those the last clone
     * learned from wrote. {@link GuestRam#mapClone} copies them in one call, where a write fault on each
     * would cost tens of microseconds under shadow paging.
     */
    BitSet pagesClonesWrite() {
        return (BitSet) clonesWrite.clone();
    }

    /** Whether the clone closing now is one to learn from ({@link #learnClonesWrite}). */
    boolean learnsFromClosingClone() {
        return clonesClosed.getAndIncrement() % RELEARN_EVERY == 0;
    }

    /**
     * What a closing clone wrote, remembered for the next clones, unless it wrote more than twice
     * the snapshot's data plus 16 MiB: a run that floods its RAM teaches the next ones nothing.
     */
    void learnClonesWrite(BitSet written) throws HypervisorException {
        long dataPages = 0;
        long[] data = dataExtents();
        for (int i = 0; i < data.length; i += 2) {
            dataPages += (data[i + 1] - data[i]) / GuestRam.PAGE_SIZE;
        }
        if (written.cardinality() <= 2 * dataPages + MOST_LEARNED_BEYOND_DATA / GuestRam.PAGE_SIZE) {
            clonesWrite = written;
        }
    }

    /** The pages (by index) the file holds data for: everything outside its holes ({@code SEEK_DATA}). */
    public BitSet pagesWithData() throws HypervisorException {
        BitSet pages = new BitSet();
        long[] extents = dataExtents();
        for (int i = 0; i < extents.length; i += 2) {
            pages.set((int) (extents[i] / GuestRam.PAGE_SIZE), (int) (extents[i + 1] / GuestRam.PAGE_SIZE));
        }
        return pages;
    }

    /**
     * Copies the file's data extents into {@code target} (zeroed RAM of {@link #size()} bytes) at
     * the same offsets, and nothing of its holes, which {@code target} already reads as zero: the
     * work and the memory committed in {@code target} are the snapshot's data, not its RAM size.
     * Returns the bytes copied.
     */
    public long copyDataInto(MemorySegment target) throws HypervisorException {
        if (target.byteSize() != size) {
            throw new IllegalArgumentException("a copy of " + size + " bytes of RAM into " + target.byteSize());
        }
        long[] extents = dataExtents();
        long copied = 0;
        for (int i = 0; i < extents.length; i += 2) {
            MemorySegment.copy(memory, extents[i], target, extents[i], extents[i + 1] - extents[i]);
            copied += extents[i + 1] - extents[i];
        }
        return copied;
    }

    /**
     * The file's data as {@code [start, end)} byte pairs on page boundaries, found once with {@code
     * SEEK_DATA}/{@code SEEK_HOLE} (the file is sealed). Reading a hole through {@link #memory()}
     * would add a page of zeros to the file later; leaving it out of the copies changes nothing.
     */
    private synchronized long[] dataExtents() throws HypervisorException {
        if (extents != null) {
            return extents;
        }
        List<Long> found = new ArrayList<>();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            long offset = 0;
            while (offset < size) {
                long data = libc_h.lseek(callState, fd, offset, libc_h.SEEK_DATA);
                if (data < 0) {
                    if (libc_h.errno(callState) == libc_h.ENXIO) {
                        break; // only a hole up to the end
                    }
                    throw NativeFailure.of("lseek(SEEK_DATA) in a snapshot's memfd", libc_h.errno(callState));
                }
                long hole = libc_h.lseek(callState, fd, data, libc_h.SEEK_HOLE);
                if (hole < 0) {
                    throw NativeFailure.of("lseek(SEEK_HOLE) in a snapshot's memfd", libc_h.errno(callState));
                }
                found.add(data & -GuestRam.PAGE_SIZE);
                found.add(Math.min(size, (hole + GuestRam.PAGE_SIZE - 1) & -GuestRam.PAGE_SIZE));
                offset = hole;
            }
        }
        extents = found.stream().mapToLong(Long::longValue).toArray();
        return extents;
    }

    /** Unmaps {@link #memory()} and closes the memfd; clones' private mappings live on. */
    @Override
    public void close() {
        arena.close();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            if (libc_h.close(callState, fd) != 0) {
                LOG.warn("close of a snapshot's memfd failed: {}", NativeFailure.describe(libc_h.errno(callState)));
            }
        }
    }
}
