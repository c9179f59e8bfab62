package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest's file system for one run: the runtime's image read-only at its mount point (when a
 * runtime runs), the program's or script's directory read-only at {@code /app} (also the working
 * directory; without one the guest starts in {@code /tmp}), the run's private directory at
 * {@code /tmp}, then the user's mounts (the configuration's, then the run's), which may replace
 * any of these.
 */
final class GuestFileSystem {

    static final String TMP = "/tmp";

    private GuestFileSystem() {}

    static HostIo open(RuntimeConfig config, GuestCommand command, List<Mount> mounts, Path runDirectory,
            InputStream stdin, OutputStream stdout, OutputStream stderr) {
        Map<String, Mount> byGuestPath = new LinkedHashMap<>();
        command.runtimeMount().ifPresent(image -> byGuestPath.put(image.guestPath(), image));
        command.appDirectory().ifPresent(directory -> byGuestPath.put(Program.GUEST_DIRECTORY,
                Mount.readOnly(Program.GUEST_DIRECTORY, directory)));
        byGuestPath.put(TMP, Mount.writable(TMP, runDirectory));
        for (Mount mount : mounts) {
            byGuestPath.put(mount.guestPath(), mount);
        }
        IoConfig.Builder io = IoConfig.builder()
                .workingDirectory(command.appDirectory().isPresent() ? Program.GUEST_DIRECTORY : TMP)
                .stdin(stdin)
                .stdout(stdout)
                .stderr(stderr);
        byGuestPath.values().forEach(mount -> io.mount(new dev.hyperlight.nanvix.vfs.Mount(mount.guestPath(),
                mount.hostDir(), mount.readOnly())));
        io.maxOpenFiles(config.limits().maxOpenFiles());
        if (!byGuestPath.get(TMP).readOnly() && config.limits().tmpQuota() != Limits.NO_QUOTA) {
            io.writeQuota(TMP, config.limits().tmpQuota());
        }
        return new HostIo(io.build());
    }
}
