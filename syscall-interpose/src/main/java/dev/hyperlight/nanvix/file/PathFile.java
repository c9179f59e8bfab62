package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.FollowedPath;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import dev.hyperlight.nanvix.vfs.GuestNamespace.HostFile;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An {@code O_PATH} fd on a file that is not a directory (a symlink with {@code O_NOFOLLOW}, a
 * regular or special file): it only names the file. fstat works; reading and writing are EBADF,
 * as on Linux, and no host file is held open. glibc's {@code fchmodat(AT_SYMLINK_NOFOLLOW)} opens
 * one to learn whether the name is a symlink.
 */
public final class PathFile extends OpenFile {

    private final HostFile file;
    private final FollowedPath hostPath;

    public PathFile(HostFile file, int statusFlags) {
        super(Fcntl.O_RDONLY, statusFlags);
        this.file = file;
        this.hostPath = new FollowedPath(file.hostPath());
    }

    @Override
    public Optional<GuestNamespace.MountPoint> mount() {
        return Optional.of(file.mount());
    }

    @Override
    public Stat stat() {
        Path path = hostPath.get();
        if (path == null) {
            throw new ErrnoException(Errno.ENOENT, "removed");
        }
        return GuestNamespace.hostStat(file.mount(), path);
    }

    @Override
    public void moved(Path from, Path to, String guestFrom, String guestTo) {
        hostPath.moved(from, to);
    }

    @Override
    public void unlinked(Path path) {
        hostPath.unlinked(path);
    }

    @Override
    public void release() {
        // Nothing is open on the host.
    }
}
