package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.DirectoryEntry;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import dev.hyperlight.nanvix.vfs.GuestNamespace.HostFile;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Node;
import dev.hyperlight.nanvix.vfs.GuestPaths;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * An open directory (host or virtual). getdents64 reads from a listing taken at the first read
 * after open or after a rewind; the directory offset is the index of the next entry, so the guest
 * can resume with any buffer size, and {@code d_off} values are valid lseek targets.
 */
public final class DirectoryFile extends OpenFile {

    private final GuestNamespace namespace;
    private final Stat opened;
    /** The directory, followed across renames; null once it was removed. */
    private volatile Node node;
    /** What a listing holds, taken at the first read and at each rewind. */
    private final Function<Node, List<DirectoryEntry>> lister;
    private List<DirectoryEntry> listing;
    private long position;

    public DirectoryFile(GuestNamespace namespace, Node node, int statusFlags) {
        this(namespace, node, statusFlags, namespace::list);
    }

    /** A directory whose names the namespace does not know ({@code /dev/fd}: the opener's fds). */
    public DirectoryFile(GuestNamespace namespace, Node node, int statusFlags,
            Function<Node, List<DirectoryEntry>> lister) {
        super(Fcntl.O_RDONLY, statusFlags);
        this.namespace = namespace;
        this.node = node;
        this.opened = namespace.stat(node);
        this.lister = lister;
    }

    /** The directory's canonical guest path, for *at calls and fchdir. */
    public String guestPath() {
        Node current = node;
        if (current == null) {
            throw new ErrnoException(Errno.ENOENT, "directory was removed");
        }
        return current.guestPath();
    }

    @Override
    public long read(MemorySegment buffer) {
        throw new ErrnoException(Errno.EISDIR);
    }

    @Override
    public long readAt(MemorySegment buffer, long offset) {
        throw new ErrnoException(Errno.EISDIR);
    }

    @Override
    public long writeAt(MemorySegment data, long offset) {
        throw new ErrnoException(Errno.EBADF);
    }

    /** SEEK_SET to 0 or to a {@code d_off} value, or SEEK_CUR; directories have no end to seek from. */
    @Override
    public synchronized long seek(long offset, int whence) {
        long target = switch (whence) {
            case Fcntl.SEEK_SET -> offset;
            case Fcntl.SEEK_CUR -> position > Long.MAX_VALUE - Math.max(offset, 0) ? -1 : position + offset;
            default -> throw new ErrnoException(Errno.EINVAL);
        };
        if (target < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (target == 0) {
            listing = null; // a rewind sees the directory as it is now
        }
        position = target;
        return target;
    }

    @Override
    public synchronized int readDirectory(MemorySegment buffer) {
        if (listing == null) {
            Node current = node;
            listing = current == null ? List.of() : lister.apply(current);
        }
        long filled = 0;
        while (position < listing.size()) {
            DirectoryEntry entry = listing.get((int) position);
            if (entry.recordLength() > buffer.byteSize() - filled) {
                if (filled == 0) {
                    throw new ErrnoException(Errno.EINVAL, "buffer too small for one entry");
                }
                break;
            }
            entry.encode(buffer.asSlice(filled), position + 1);
            filled += entry.recordLength();
            position++;
        }
        return (int) filled;
    }

    /** The directory's stat; once removed, what it had at open with no links. */
    @Override
    public Optional<GuestNamespace.MountPoint> mount() {
        return node instanceof HostFile dir ? Optional.of(dir.mount()) : Optional.empty();
    }

    @Override
    public Stat stat() {
        Node current = node;
        if (current != null) {
            return namespace.stat(current);
        }
        return new Stat(opened.device(), opened.inode(), 0, opened.mode(), opened.uid(), opened.gid(), 0,
                opened.size(), opened.blockSize(), opened.blocks(), opened.accessed(), opened.modified(),
                opened.changed());
    }

    @Override
    public void sync() {
        // Directory entries reach the host file system with each call; nothing is buffered here.
    }

    @Override
    public void moved(Path from, Path to, String guestFrom, String guestTo) {
        if (node instanceof HostFile dir && dir.hostPath().startsWith(from)) {
            node = new HostFile(GuestPaths.rebase(dir.guestPath(), guestFrom, guestTo), dir.mount(),
                    to.resolve(from.relativize(dir.hostPath())), dir.type());
        }
    }

    @Override
    public void unlinked(Path path) {
        if (node instanceof HostFile dir && dir.hostPath().equals(path)) {
            node = null;
        }
    }

    /** fchmod, futimens: as {@link RegularFile#writableHostPath()}; virtual directories are EROFS. */
    public Path writableHostPath() {
        return switch (node) {
            case null -> null;
            case HostFile dir when !dir.mount().readOnly() -> dir.hostPath();
            default -> throw new ErrnoException(Errno.EROFS);
        };
    }

    @Override
    public void release() {
        // Listings are plain memory.
    }
}
