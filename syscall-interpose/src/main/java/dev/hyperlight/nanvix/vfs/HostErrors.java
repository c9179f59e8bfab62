package dev.hyperlight.nanvix.vfs;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Map;

/**
 * Turns a failed host file operation into the errno the guest sees. java.nio keeps only the
 * host's strerror text for most failures, so that text is matched for the errors a guest can
 * meaningfully react to; anything else is EIO. The host message (which names host paths) stays
 * in the exception for host logs and never reaches the guest.
 */
public final class HostErrors {

    private static final Map<String, Errno> BY_REASON = Map.ofEntries(
            Map.entry("No space left on device", Errno.ENOSPC),
            Map.entry("Disk quota exceeded", Errno.EDQUOT),
            Map.entry("File too large", Errno.EFBIG),
            Map.entry("Read-only file system", Errno.EROFS),
            Map.entry("Is a directory", Errno.EISDIR),
            Map.entry("Not a directory", Errno.ENOTDIR),
            Map.entry("Directory not empty", Errno.ENOTEMPTY),
            Map.entry("Too many levels of symbolic links", Errno.ELOOP),
            Map.entry("File name too long", Errno.ENAMETOOLONG),
            Map.entry("Operation not permitted", Errno.EPERM),
            Map.entry("Permission denied", Errno.EACCES),
            Map.entry("Invalid cross-device link", Errno.EXDEV),
            Map.entry("Device or resource busy", Errno.EBUSY),
            Map.entry("Text file busy", Errno.ETXTBSY),
            Map.entry("Invalid argument", Errno.EINVAL),
            // The host process ran out of descriptors: for the guest that is a system-wide limit.
            Map.entry("Too many open files", Errno.ENFILE));

    private HostErrors() {
    }

    public static ErrnoException toErrno(IOException e) {
        Errno errno = switch (e) {
            case NoSuchFileException x -> Errno.ENOENT;
            case FileAlreadyExistsException x -> Errno.EEXIST;
            case DirectoryNotEmptyException x -> Errno.ENOTEMPTY;
            case NotDirectoryException x -> Errno.ENOTDIR;
            case AccessDeniedException x -> Errno.EACCES;
            case FileSystemLoopException x -> Errno.ELOOP;
            case NotLinkException x -> Errno.EINVAL;
            case AtomicMoveNotSupportedException x -> Errno.EXDEV;
            case ClosedChannelException x -> Errno.EBADF;
            case FileSystemException x -> byReason(x.getReason());
            default -> byReason(e.getMessage());
        };
        return new ErrnoException(errno, "host: " + e);
    }

    private static Errno byReason(String reason) {
        return reason == null ? Errno.EIO : BY_REASON.getOrDefault(reason, Errno.EIO);
    }
}
