package dev.hyperlight.nanvix.vfs;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.FileType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A write quota counted by host inode, not by name, so that hard links, renames and fds kept
 * open on removed files cannot hide bytes that stay on the host's disk.
 *
 * <p>What an inode costs: a regular file the blocks holding its data, the last one up to the
 * file's end ({@link BlockRanges}: the holes of a sparse file cost nothing, so seeking to 2 GiB
 * and writing a byte costs one block); a symbolic link the bytes of its target; a directory
 * {@link #DIRECTORY_COST}; the mount's own root costs nothing. A file the quota has no record of
 * (one the run started with) costs its size: the host's count of its blocks is not visible to
 * Java, so its holes are taken as written. An inode counts once, whatever its number of names; a new name costs
 * nothing.
 *
 * <p>When: the blocks a write fills are charged before it (a write that does not fit is short, then
 * ENOSPC) and shrinking (ftruncate, O_TRUNC) is given back at once; a directory or symlink is
 * charged when made. An inode's cost is given back only when both its last name and its last
 * open description are gone: at the removal of the last name (unlink, rmdir, a rename over it)
 * if no description holds the file, else when the last one closes, in whichever process of the
 * run (forked processes share the quota and the descriptions).
 *
 * <p>How: {@link #used} is the cost of every inode with a name in the mount (the files a run
 * starts with are charged at once) plus the charge of every removed inode a description still
 * holds. Only inodes some description holds, and files with holes, have an entry here: a file's
 * data changes only through a description, and each change settles the charge to what it left,
 * so a file without an entry costs its size on disk.
 */
public final class InodeQuota implements WriteQuota {

    /** What a directory costs: one block, what an empty directory takes on most host file systems. */
    static final long DIRECTORY_COST = GuestNamespace.BLOCK_SIZE;

    private final long limit;
    private final Runnable onExhausted;
    private final Map<InodeKey, Inode> held = new HashMap<>();
    private long used;

    InodeQuota(long limit, Path hostRoot, Runnable onExhausted) {
        this.limit = limit;
        this.onExhausted = onExhausted;
        this.used = costOfTree(hostRoot);
    }

    /** A host inode's identity: its device and inode number. */
    private record InodeKey(long device, long inode) {
    }

    /** What the quota needs to know of a host file, read without following a symlink. */
    private record HostInode(InodeKey key, FileType type, long size, int links) {

        static HostInode of(Path path) throws IOException {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,nlink,mode,size", LinkOption.NOFOLLOW_LINKS);
            return new HostInode(new InodeKey((Long) a.get("dev"), (Long) a.get("ino")),
                    FileType.ofMode((Integer) a.get("mode")), (Long) a.get("size"), (Integer) a.get("nlink"));
        }

        /** A symlink's size is the length of its target. Special files cannot be made in a mount. */
        long cost() {
            return switch (type) {
                case DIRECTORY -> DIRECTORY_COST;
                case REGULAR, SYMLINK -> size;
                default -> 0;
            };
        }
    }

    @Override
    public long limit() {
        return limit;
    }

    @Override
    public synchronized long used() {
        return used;
    }

    @Override
    public synchronized OpenInode open(Path file) {
        HostInode host = inspect(file);
        Inode inode = held.computeIfAbsent(host.key(), key -> new Inode(key, host.cost()));
        inode.descriptions++;
        return inode;
    }

    @Override
    public synchronized void makeDirectory(HostAction make) {
        take(DIRECTORY_COST);
        try {
            make.run();
        } catch (IOException e) {
            give(DIRECTORY_COST);
            throw HostErrors.toErrno(e);
        }
    }

    /** Made first, then charged with the target's length as the host stores it. */
    @Override
    public synchronized void makeSymlink(Path link, HostAction make) {
        try {
            make.run();
            long cost = HostInode.of(link).cost();
            if (cost > limit - used) {
                Files.delete(link);
                throw exhausted();
            }
            used += cost;
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    @Override
    public synchronized void removeName(Path name, HostAction removal) {
        HostInode host = inspect(name);
        try {
            removal.run();
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
        if (host.type() != FileType.DIRECTORY && host.links() > 1) {
            return; // another name keeps the inode
        }
        Inode inode = held.get(host.key());
        if (inode != null) {
            inode.removeLastName();
        } else {
            give(host.cost());
        }
    }

    private void take(long bytes) {
        if (bytes > limit - used) {
            throw exhausted();
        }
        used += bytes;
    }

    private ErrnoException exhausted() {
        onExhausted.run();
        return new ErrnoException(Errno.ENOSPC, "write quota of " + limit + " bytes used up");
    }

    /** Never below zero: a file the host put into the mount during the run was never charged. */
    private void give(long bytes) {
        used = Math.max(0, used - bytes);
    }

    private static HostInode inspect(Path path) {
        try {
            return HostInode.of(path);
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    /** What the tree below {@code root} costs, each inode once. */
    private static long costOfTree(Path root) {
        Set<InodeKey> seen = new HashSet<>();
        long total = 0;
        try (Stream<Path> paths = Files.walk(root)) {
            Iterator<Path> below = paths.skip(1).iterator();
            while (below.hasNext()) {
                HostInode host = HostInode.of(below.next());
                if (seen.add(host.key())) { // hard links: once
                    total += host.cost();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + root, e);
        }
        return total;
    }

    /**
     * One regular file some description holds, or held while the run made holes in it, shared by
     * all of its descriptions: the blocks holding its data and their cost ({@link BlockRanges}).
     */
    final class Inode implements OpenInode {

        private final InodeKey key;
        private final BlockRanges blocks;
        private long size;
        private long charged;
        private int descriptions;
        private boolean named = true;

        /** A file the quota has no record of costs its size, as the run's first count took it. */
        private Inode(InodeKey key, long size) {
            this.key = key;
            this.blocks = BlockRanges.dense(size);
            this.size = size;
            this.charged = size;
        }

        /** What the file would cost after a write of bytes {@code start} to {@code end}. */
        private long costAfterWrite(long start, long end) {
            return blocks.costWith(start / BlockRanges.BLOCK, BlockRanges.blocksFor(end), Math.max(size, end));
        }

        @Override
        public long reserve(long start, long end) {
            synchronized (InodeQuota.this) {
                long room = limit - used + charged; // what this file may cost in all
                long granted = end;
                long cost = costAfterWrite(start, end);
                // An overwrite costs nothing more, even past the quota (a run may start with more
                // in its mount than its quota).
                if (cost > charged && cost > room) {
                    // The cost grows with the end: the longest write that fits, if any byte does.
                    long fits = start;
                    long over = end;
                    while (over - fits > 1) {
                        long middle = fits + (over - fits) / 2;
                        if (costAfterWrite(start, middle) <= room) {
                            fits = middle;
                        } else {
                            over = middle;
                        }
                    }
                    if (fits == start) {
                        throw exhausted();
                    }
                    onExhausted.run();
                    granted = fits;
                }
                charge(costAfterWrite(start, granted));
                blocks.add(start / BlockRanges.BLOCK, BlockRanges.blocksFor(granted));
                size = Math.max(size, granted);
                return granted;
            }
        }

        /** Growing by ftruncate leaves a hole: only the block of the last byte, which the host writes, costs. */
        @Override
        public void grow(long end) {
            synchronized (InodeQuota.this) {
                if (end <= size) {
                    return;
                }
                long last = (end - 1) / BlockRanges.BLOCK;
                long cost = blocks.costWith(last, last + 1, end);
                if (cost - charged > limit - used) {
                    throw exhausted();
                }
                charge(cost);
                blocks.add(last, last + 1);
                size = end;
            }
        }

        @Override
        public void settle(long newSize) {
            synchronized (InodeQuota.this) {
                if (newSize < size) {
                    blocks.cut(newSize);
                }
                size = newSize;
                charge(blocks.cost(newSize));
            }
        }

        private void charge(long cost) {
            if (cost > charged) {
                used += cost - charged;
            } else {
                give(charged - cost);
            }
            charged = cost;
        }

        /** Called holding the quota's monitor. */
        private void removeLastName() {
            if (descriptions > 0) {
                named = false; // given back when its last description closes
            } else {
                held.remove(key);
                give(charged);
            }
        }

        /**
         * The last description gives a removed file back; a named one stays recorded only while it
         * has holes (a file whose every block holds data costs its size, as a new record says).
         */
        @Override
        public void close() {
            synchronized (InodeQuota.this) {
                if (--descriptions > 0) {
                    return;
                }
                if (!named) {
                    held.remove(key);
                    give(charged);
                } else if (charged == size) {
                    held.remove(key);
                }
            }
        }
    }
}
