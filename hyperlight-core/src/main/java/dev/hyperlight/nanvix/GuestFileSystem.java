package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.io.Mount;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The guest's file system for one run: the program's directory read-only at {@code /app} (also
 * the working directory), the run's private directory at {@code /tmp}, then the user's mounts,
 * which may replace either.
 */
final class GuestFileSystem {

    static final String TMP = "/tmp";

    private GuestFileSystem() {}

    static HostIo open(RuntimeConfig config, Program program, Path runDirectory, OutputStream stdout,
            OutputStream stderr) {
        Map<String, Mount> byGuestPath = new LinkedHashMap<>();
        byGuestPath.put(Program.GUEST_DIRECTORY, Mount.readOnly(Program.GUEST_DIRECTORY, program.hostDirectory()));
        byGuestPath.put(TMP, Mount.writable(TMP, runDirectory));
        for (Mount mount : config.mounts()) {
            byGuestPath.put(mount.guestPath(), mount);
        }
        IoConfig.Builder io = IoConfig.builder()
                .workingDirectory(Program.GUEST_DIRECTORY)
                .stdin(config.stdin())
                .stdout(stdout)
                .stderr(stderr);
        byGuestPath.values().forEach(io::mount);
        io.maxOpenFiles(config.limits().maxOpenFiles());
        if (!byGuestPath.get(TMP).readOnly() && config.limits().tmpQuota() != Limits.NO_QUOTA) {
            io.writeQuota(TMP, config.limits().tmpQuota());
        }
        return new HostIo(io.build());
    }
}
