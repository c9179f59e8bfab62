package dev.hyperlight.nanvix.vfs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host directory shown to the guest at {@code guestPath}: the I/O side's copy of the API's
 * {@code dev.hyperlight.nanvix.Mount}, which it checks with {@link #check}.
 *
 * @param guestPath canonical absolute guest path, e.g. {@code /tmp} or {@code /}
 * @param hostDir the host directory; nothing outside it is reachable through this mount
 * @param readOnly whether every change through this mount fails with EROFS
 */
public record Mount(String guestPath, Path hostDir, boolean readOnly) {

    public Mount {
        check(guestPath, hostDir);
    }

    /**
     * What every mount must be: both parts given, and a canonical absolute mount point.
     *
     * @throws IllegalArgumentException for a mount point with '.', '..', '//' or a trailing '/'
     */
    public static void check(String guestPath, Path hostDir) {
        Objects.requireNonNull(guestPath, "guestPath");
        Objects.requireNonNull(hostDir, "hostDir");
        if (!GuestPaths.isCanonical(guestPath)) {
            throw new IllegalArgumentException("mount point '" + guestPath
                    + "' must be an absolute guest path without '.', '..', '//' or a trailing '/'");
        }
    }

    public static Mount readOnly(String guestPath, Path hostDir) {
        return new Mount(guestPath, hostDir, true);
    }

    public static Mount writable(String guestPath, Path hostDir) {
        return new Mount(guestPath, hostDir, false);
    }
}
