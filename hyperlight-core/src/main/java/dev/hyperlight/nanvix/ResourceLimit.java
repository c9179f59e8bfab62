package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.io.IoLimit;
import java.util.EnumSet;
import java.util.Set;

/**
 * A limit a run ran into without being stopped by it: the guest got an errno, or output was
 * dropped. Limits that stop the run are {@link Termination}s ({@link Termination.TimedOut},
 * {@link Termination.CpuTimeExceeded}).
 */
public enum ResourceLimit {
    /** Standard output or error went past {@link RuntimeConfig#outputLimit()}; the rest was dropped. */
    OUTPUT,
    /** The guest had {@link Limits#maxOpenFiles()} fds open and got EMFILE. */
    OPEN_FILES,
    /** The guest used up {@link Limits#tmpQuota()} and got ENOSPC. */
    TMP_QUOTA,
    /**
     * The guest's RAM ({@link RuntimeConfig#memorySize()}) ran out: the guest kernel refused the
     * program memory (ENOMEM from mmap, brk or a file mapping) or killed it on a page fault it
     * could not serve (SIGKILL, as Linux's out-of-memory killer). Reported by the guest kernel.
     */
    MEMORY,
    /** An output file was larger than {@link RunRequest#outputFileLimit()} and was not read back. */
    OUTPUT_FILES;

    static Set<ResourceLimit> reached(Set<IoLimit> io, boolean outputTruncated, boolean memoryLimitReached,
            boolean outputFileTooLarge) {
        Set<ResourceLimit> reached = EnumSet.noneOf(ResourceLimit.class);
        if (outputFileTooLarge) {
            reached.add(OUTPUT_FILES);
        }
        if (memoryLimitReached) {
            reached.add(MEMORY);
        }
        if (outputTruncated) {
            reached.add(OUTPUT);
        }
        for (IoLimit limit : io) {
            reached.add(switch (limit) {
                case OPEN_FILES -> OPEN_FILES;
                case WRITE_QUOTA -> TMP_QUOTA;
            });
        }
        return reached;
    }
}
