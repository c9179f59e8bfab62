package dev.hyperlight.nanvix;

import java.nio.file.Path;

/**
 * A host directory shown to the guest at {@code guestPath}.
 *
 * @param guestPath canonical absolute guest path, e.g. {@code /data} or {@code /}
 * @param hostDir the host directory; nothing outside it is reachable through this mount
 * @param readOnly whether every change through this mount fails with EROFS
 */
public record Mount(String guestPath, Path hostDir, boolean readOnly) {

    public Mount {
        dev.hyperlight.nanvix.vfs.Mount.check(guestPath, hostDir);
    }

    public static Mount readOnly(String guestPath, Path hostDir) {
        return new Mount(guestPath, hostDir, true);
    }

    public static Mount writable(String guestPath, Path hostDir) {
        return new Mount(guestPath, hostDir, false);
    }
}
