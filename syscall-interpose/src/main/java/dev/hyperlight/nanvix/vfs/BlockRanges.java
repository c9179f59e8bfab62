package dev.hyperlight.nanvix.vfs;

import java.util.Map;
import java.util.TreeMap;

/**
 * The blocks of one file that hold data (were written, or were there when the quota first saw
 * the file), as disjoint ranges of block numbers, and what they cost: every such block below the
 * end of the file, the last one only up to that end. Holes cost nothing, so a program that seeks
 * far and writes a byte pays for one block, as a sparse file takes one on the host's disk.
 *
 * <p>Ranges that touch are merged, so a file written in order is one range; a guest that writes
 * every other block makes at most one range per two blocks it paid for, bounded by the quota.
 */
final class BlockRanges {

    static final long BLOCK = GuestNamespace.BLOCK_SIZE;

    /** First block of each range to the block after it. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    /** A file of {@code size} bytes whose every block holds data. */
    static BlockRanges dense(long size) {
        BlockRanges blocks = new BlockRanges();
        blocks.add(0, blocksFor(size));
        return blocks;
    }

    /** Blocks needed to hold {@code bytes} bytes. */
    static long blocksFor(long bytes) {
        return bytes / BLOCK + (bytes % BLOCK == 0 ? 0 : 1);
    }

    /** Marks blocks {@code from} (inclusive) to {@code to} (exclusive) as holding data. */
    void add(long from, long to) {
        if (from >= to) {
            return;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            from = before.getKey();
            to = Math.max(to, before.getValue());
        }
        for (Map.Entry<Long, Long> next = ranges.ceilingEntry(from); next != null && next.getKey() <= to;
                next = ranges.ceilingEntry(from)) {
            to = Math.max(to, next.getValue());
            ranges.remove(next.getKey());
        }
        ranges.put(from, to);
    }

    /** The file was cut to {@code size} bytes: blocks from its end on hold nothing any more. */
    void cut(long size) {
        long limit = blocksFor(size);
        Map.Entry<Long, Long> last = ranges.lowerEntry(limit);
        ranges.tailMap(limit, true).clear();
        if (last != null && last.getValue() > limit) {
            ranges.put(last.getKey(), limit);
        }
    }

    /** What the blocks cost in a file of {@code size} bytes. */
    long cost(long size) {
        return costWith(0, 0, size);
    }

    /**
     * What the blocks would cost with blocks {@code from} to {@code to} added, in a file of {@code
     * size} bytes (which holds them all).
     */
    long costWith(long from, long to, long size) {
        long limit = blocksFor(size);
        long extraFrom = Math.min(from, limit);
        long extraTo = Math.min(to, limit);
        long covered = Math.max(0, extraTo - extraFrom);
        for (Map.Entry<Long, Long> range : ranges.headMap(limit).entrySet()) {
            long start = range.getKey();
            long end = Math.min(range.getValue(), limit);
            covered += end - start;
            // Blocks already counted in the added range count once.
            covered -= Math.max(0, Math.min(end, extraTo) - Math.max(start, extraFrom));
        }
        long bytes = covered * BLOCK;
        long lastBlock = limit - 1;
        if (size % BLOCK != 0 && (holds(lastBlock) || lastBlock >= from && lastBlock < to)) {
            bytes -= BLOCK - size % BLOCK; // the last block counts up to the end of the file
        }
        return bytes;
    }

    private boolean holds(long block) {
        Map.Entry<Long, Long> range = ranges.floorEntry(block);
        return range != null && range.getValue() > block;
    }
}
