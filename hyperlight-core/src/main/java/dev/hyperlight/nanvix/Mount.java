package dev.hyperlight.nanvix;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A host directory shown to the guest at {@code guestPath}.
 *
 * @param guestPath canonical absolute guest path, e.g. {@code /data} or {@code /}
 * @param hostDir the host directory; nothing outside it is reachable through this mount
 * @param readOnly whether every change through this mount fails with EROFS
 */
public record Mount(String guestPath, Path hostDir, boolean readOnly) {

    /** Refuses a mount point that is not a canonical absolute guest path. */
    public Mount {
        dev.hyperlight.nanvix.vfs.Mount.check(guestPath, hostDir);
    }

    /** A mount through which the guest can change nothing. */
    public static Mount readOnly(String guestPath, Path hostDir) {
        return new Mount(guestPath, hostDir, true);
    }

    /** A mount through which the guest can change the host directory's content. */
    public static Mount writable(String guestPath, Path hostDir) {
        return new Mount(guestPath, hostDir, false);
    }

    /** Refuses this mount unless its host directory exists now (a run could not open it). */
    void checkHostDirectory() throws SandboxException {
        if (!Files.isDirectory(hostDir)) {
            throw new SandboxException(SandboxException.Reason.INVALID_CONFIGURATION, "mount " + guestPath
                    + ": host directory " + hostDir + (Files.exists(hostDir) ? " is not a directory" : " does not exist"));
        }
    }
}
