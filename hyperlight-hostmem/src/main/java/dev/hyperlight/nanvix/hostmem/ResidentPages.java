package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Copies of guest RAM that skip what the guest never touched: for VM forks and snapshots. */
public final class ResidentPages {

    private static final Logger LOG = LoggerFactory.getLogger(ResidentPages.class);
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[(int) GuestRam.PAGE_SIZE]);
    /** Whether the host has swap: then a page mincore reports absent may be swapped out, not zero. */
    private static final boolean SWAP_POSSIBLE = hostHasSwap();

    private ResidentPages() {}

    private static boolean hostHasSwap() {
        try {
            return Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
        } catch (IOException | RuntimeException e) {
            return true; // unknown: be safe
        }
    }

    /**
     * Copies only the pages of {@code from} that are resident on the host ({@code mincore}) into
     * {@code to} (zero, of the same size): pages the guest never touched are zero in both, and
     * copying them would commit host memory for nothing. Swapped-out pages count as not resident;
     * guest RAM is private memory, so on a host without swap that cannot lose data, and with swap
     * the copy falls back to comparing them with zero (see {@link #copyIfNonZero}). With {@code
     * skipZeroPages}, resident pages that hold only zeros are not copied either (a snapshot's copy
     * is made once and kept: huge pages make much zeroed RAM resident).
     */
    public static void copy(MemorySegment from, MemorySegment to, boolean skipZeroPages) {
        if (from.byteSize() != to.byteSize()) {
            throw new IllegalArgumentException("copies between RAM of one size: " + from.byteSize() + " and "
                    + to.byteSize() + " bytes");
        }
        long pages = from.byteSize() / GuestRam.PAGE_SIZE;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
            MemorySegment resident = scratch.allocate(pages);
            if (libc_h.mincore(callState, MemorySegment.ofAddress(from.address()), from.byteSize(), resident) != 0) {
                LOG.debug("mincore failed ({}): copying all of guest RAM",
                        NativeFailure.describe(libc_h.errno(callState)));
                to.copyFrom(from);
                return;
            }
            long run = -1; // first page of the current run of resident pages
            for (long page = 0; page <= pages; page++) {
                boolean in = page < pages && (resident.get(ValueLayout.JAVA_BYTE, page) & 1) != 0;
                if (in && run < 0) {
                    run = page;
                } else if (!in && run >= 0) {
                    long offset = run * GuestRam.PAGE_SIZE;
                    long length = (page - run) * GuestRam.PAGE_SIZE;
                    if (skipZeroPages) {
                        for (long at = offset; at < offset + length; at += GuestRam.PAGE_SIZE) {
                            copyIfNonZero(from, to, at);
                        }
                    } else {
                        MemorySegment.copy(from, offset, to, offset, length);
                    }
                    run = -1;
                }
                if (!in && page < pages && SWAP_POSSIBLE) {
                    copyIfNonZero(from, to, page * GuestRam.PAGE_SIZE);
                }
            }
        }
    }

    /**
     * Copies one page unless it is all zero. For a page mincore calls absent, which may still hold
     * data in swap: reading it brings it back.
     */
    private static void copyIfNonZero(MemorySegment from, MemorySegment to, long offset) {
        MemorySegment page = from.asSlice(offset, GuestRam.PAGE_SIZE);
        if (page.mismatch(ZERO_PAGE) >= 0) {
            to.asSlice(offset, GuestRam.PAGE_SIZE).copyFrom(page);
        }
    }
}
