package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.io.IoConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Resource limits of one run besides memory ({@link RuntimeConfig#memorySize()}), wall-clock time
 * ({@link RuntimeConfig#timeout()}) and output ({@link RuntimeConfig#outputLimit()}).
 *
 * @param cpuTime CPU time the vCPU may use before the run is stopped ({@link
 *     Termination.CpuTimeExceeded}); {@link Duration#ZERO} for no limit
 * @param maxOpenFiles fds the guest may hold at once, the console's three included; beyond it the
 *     guest gets EMFILE
 * @param tmpQuota bytes the guest may write into its private {@code /tmp}; beyond it the guest gets
 *     ENOSPC; {@link #NO_QUOTA} for none
 */
public record Limits(Duration cpuTime, int maxOpenFiles, long tmpQuota) {

    public static final long NO_QUOTA = Long.MAX_VALUE;
    public static final long DEFAULT_TMP_QUOTA = 1L << 30;

    /** No CPU limit, 1024 fds (Linux's default RLIMIT_NOFILE), 1 GiB of {@code /tmp}. */
    public static final Limits DEFAULT = new Limits(Duration.ZERO, IoConfig.DEFAULT_MAX_OPEN_FILES,
            DEFAULT_TMP_QUOTA);

    public Limits {
        Objects.requireNonNull(cpuTime, "cpuTime");
        if (cpuTime.isNegative()) {
            throw new IllegalArgumentException("CPU time limit must not be negative");
        }
        if (maxOpenFiles < IoConfig.MIN_OPEN_FILES || maxOpenFiles > IoConfig.MAX_OPEN_FILES) {
            throw new IllegalArgumentException("open file limit " + maxOpenFiles + " is outside "
                    + IoConfig.MIN_OPEN_FILES + " to " + IoConfig.MAX_OPEN_FILES);
        }
        if (tmpQuota < 0) {
            throw new IllegalArgumentException("/tmp quota must not be negative");
        }
    }

    public Limits withCpuTime(Duration limit) {
        return new Limits(limit, maxOpenFiles, tmpQuota);
    }

    public Limits withMaxOpenFiles(int fds) {
        return new Limits(cpuTime, fds, tmpQuota);
    }

    public Limits withTmpQuota(long bytes) {
        return new Limits(cpuTime, maxOpenFiles, bytes);
    }
}
