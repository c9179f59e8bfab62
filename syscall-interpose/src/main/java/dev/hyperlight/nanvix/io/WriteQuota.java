package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.syscall.Errno;
import dev.hyperlight.nanvix.syscall.ErrnoException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * The bytes the guest may add to one writable mount. Charged when a write or ftruncate makes a
 * file longer, given back when the guest shrinks a file, truncates it at open, or removes it while
 * no fd holds it. A file removed while open, or replaced by rename, is not given back (its bytes
 * may still be on the host's disk), so the count never falls below what the files take: it errs
 * on the strict side.
 */
final class WriteQuota {

    /** No quota. */
    static final WriteQuota UNLIMITED = new WriteQuota(Long.MAX_VALUE, 0, () -> {});

    private final long limit;
    private final Runnable onExhausted;
    private long used;

    private WriteQuota(long limit, long used, Runnable onExhausted) {
        this.limit = limit;
        this.used = used;
        this.onExhausted = onExhausted;
    }

    /** A quota of {@code limit} bytes on {@code hostRoot}, charged at once with what is already there. */
    static WriteQuota of(long limit, Path hostRoot, Runnable onExhausted) {
        return new WriteQuota(limit, sizeOf(hostRoot), onExhausted);
    }

    /**
     * Charges up to {@code bytes}; returns how many were granted (0 to {@code bytes}).
     *
     * @throws ErrnoException ENOSPC when nothing at all is left and {@code bytes > 0}
     */
    synchronized long charge(long bytes) {
        if (bytes <= 0) {
            return 0;
        }
        long granted = Math.min(bytes, limit - used);
        if (granted < bytes) {
            onExhausted.run();
        }
        if (granted <= 0) {
            throw new ErrnoException(Errno.ENOSPC, "write quota of " + limit + " bytes used up");
        }
        used += granted;
        return granted;
    }

    /** Charges exactly {@code bytes} or nothing (ENOSPC). */
    synchronized void chargeAll(long bytes) {
        if (bytes > limit - used) {
            onExhausted.run();
            throw new ErrnoException(Errno.ENOSPC, "write quota of " + limit + " bytes used up");
        }
        used += Math.max(0, bytes);
    }

    synchronized void release(long bytes) {
        used = Math.max(0, used - Math.max(0, bytes));
    }

    /** The quota in bytes ({@code Long.MAX_VALUE} for none). */
    long limit() {
        return limit;
    }

    synchronized long used() {
        return used;
    }

    private static long sizeOf(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.mapToLong(WriteQuota::size).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + root, e);
        }
    }

    /** A regular file's size, not following symlinks (0 for anything else). */
    static long size(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() ? attributes.size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
