package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.io.GuestNamespace.HostFile;
import dev.hyperlight.nanvix.syscall.Errno;
import dev.hyperlight.nanvix.syscall.ErrnoException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An {@code O_PATH} fd on a file that is not a directory (a symlink with {@code O_NOFOLLOW}, a
 * regular or special file): it only names the file. fstat works; reading and writing are EBADF,
 * as on Linux, and no host file is held open. glibc's {@code fchmodat(AT_SYMLINK_NOFOLLOW)} opens
 * one to learn whether the name is a symlink.
 */
final class PathFile extends OpenFile {

    private final HostFile file;
    private final FollowedPath hostPath;

    PathFile(HostFile file, int statusFlags) {
        super(Fcntl.O_RDONLY, statusFlags);
        this.file = file;
        this.hostPath = new FollowedPath(file.hostPath());
    }

    @Override
    Optional<GuestNamespace.MountPoint> mount() {
        return Optional.of(file.mount());
    }

    @Override
    Stat stat() {
        Path path = hostPath.get();
        if (path == null) {
            throw new ErrnoException(Errno.ENOENT, "removed");
        }
        return GuestNamespace.hostStat(file.mount(), path);
    }

    @Override
    void moved(Path from, Path to, String guestFrom, String guestTo) {
        hostPath.moved(from, to);
    }

    @Override
    void unlinked(Path path) {
        hostPath.unlinked(path);
    }

    @Override
    void release() {
        // Nothing is open on the host.
    }
}
