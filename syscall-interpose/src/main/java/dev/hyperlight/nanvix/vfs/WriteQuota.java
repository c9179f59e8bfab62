package dev.hyperlight.nanvix.vfs;

import dev.hyperlight.nanvix.abi.ErrnoException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The bytes the guest may keep on the host's disk in one writable mount ({@link InodeQuota}), or
 * no quota at all ({@link #NONE}). Every change the guest makes to what a mount holds goes
 * through here: files opened (whose size may change), directories and symlinks made, names
 * removed. Each fails with ENOSPC where the quota has no room and errno for a host failure.
 */
public sealed interface WriteQuota permits WriteQuota.Unlimited, InodeQuota {

    /** No quota: nothing is counted. */
    WriteQuota NONE = new Unlimited();

    /** A quota of {@code limit} bytes on the mount at {@code hostRoot}, charged at once with what is already there. */
    static WriteQuota of(long limit, Path hostRoot, Runnable onExhausted) {
        return new InodeQuota(limit, hostRoot, onExhausted);
    }

    /** The quota in bytes ({@code Long.MAX_VALUE} for none). */
    long limit();

    /** The bytes charged now. */
    long used();

    /** An open description of the regular file at {@code file}: its share of the file's inode. */
    OpenInode open(Path file);

    /** Makes a directory by {@code make}, once there is room for one. */
    void makeDirectory(HostAction make);

    /** Makes the symbolic link at {@code link} by {@code make}; removes it again when its target does not fit. */
    void makeSymlink(Path link, HostAction make);

    /** Removes the name {@code name} by {@code removal}: unlink, rmdir, or a rename over it. */
    void removeName(Path name, HostAction removal);

    /** A change on the host's file system. */
    interface HostAction {
        void run() throws IOException;
    }

    /**
     * An open description's hold on its regular file's inode. Every description of one inode
     * gets the same object: changes of the file's size are made holding its monitor, so that
     * the charge always follows the size (lock order: description, inode, quota).
     */
    sealed interface OpenInode permits Unlimited.Uncounted, InodeQuota.Inode {

        /**
         * Makes room for a write of bytes {@code start} to {@code end} (the blocks it fills, and
         * the file's growth to {@code end}); returns the end granted, which may be short of
         * {@code end} but is past {@code start}.
         *
         * @throws ErrnoException ENOSPC when not one byte past {@code start} fits
         */
        long reserve(long start, long end);

        /**
         * Makes room for the file to grow to {@code end} bytes by ftruncate, a hole up to the
         * last byte, which the host writes; all or nothing (ENOSPC).
         */
        void grow(long end);

        /** The file's size after a change: its charge becomes what its blocks cost at that size. */
        void settle(long size);

        /** The description closed (once). */
        void close();
    }

    /** No quota: every change is allowed and nothing is counted. */
    final class Unlimited implements WriteQuota {

        private Unlimited() {
        }

        @Override
        public long limit() {
            return Long.MAX_VALUE;
        }

        @Override
        public long used() {
            return 0;
        }

        /** A new object each time: descriptions of files in an unlimited mount need not wait for each other. */
        @Override
        public OpenInode open(Path file) {
            return new Uncounted();
        }

        @Override
        public void makeDirectory(HostAction make) {
            run(make);
        }

        @Override
        public void makeSymlink(Path link, HostAction make) {
            run(make);
        }

        @Override
        public void removeName(Path name, HostAction removal) {
            run(removal);
        }

        private static void run(HostAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw HostErrors.toErrno(e);
            }
        }

        static final class Uncounted implements OpenInode {

            @Override
            public long reserve(long start, long end) {
                return end;
            }

            @Override
            public void grow(long end) {
            }

            @Override
            public void settle(long size) {
            }

            @Override
            public void close() {
            }
        }
    }
}
