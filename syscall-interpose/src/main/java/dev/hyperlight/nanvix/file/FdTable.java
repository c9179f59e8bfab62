package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest's file descriptors: numbers 0 to {@link #limit()}-1, each naming an open file
 * description (shared after dup) plus its own close-on-exec flag. New fds take the lowest free
 * number, as POSIX requires. Descriptions are counted across tables (a forked process gets a
 * copy of the table naming the same descriptions), so one is released when its last fd in any
 * process closes: that is how a pipe's reader sees end of file.
 */
public final class FdTable {

    /** The default RLIMIT_NOFILE, as Linux sets it. */
    public static final int DEFAULT_LIMIT = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(FdTable.class);

    private record Slot(OpenFile file, boolean closeOnExec) {
    }

    private final Slot[] slots;
    private final Runnable onExhausted;

    /** A table of {@code limit} fds; {@code onExhausted} runs each time EMFILE is returned. */
    public FdTable(int limit, Runnable onExhausted) {
        this.slots = new Slot[limit];
        this.onExhausted = onExhausted;
    }

    public int limit() {
        return slots.length;
    }

    public synchronized OpenFile get(int fd) {
        return slot(fd).file();
    }

    /** Fails with EMFILE when no fd is free, so a caller can check before creating anything. */
    public synchronized void requireFree() {
        lowestFree(0);
    }

    /** Installs {@code file} at the lowest free fd at or above {@code lowest}. */
    public synchronized int add(OpenFile file, boolean closeOnExec, int lowest) {
        int fd = lowestFree(lowest);
        file.retain();
        slots[fd] = new Slot(file, closeOnExec);
        return fd;
    }

    /** fork: a table with the same fds naming the same descriptions (offsets and flags shared). */
    public synchronized FdTable copy(Runnable onExhausted) {
        FdTable copy = new FdTable(slots.length, onExhausted);
        for (int fd = 0; fd < slots.length; fd++) {
            if (slots[fd] != null) {
                slots[fd].file().retain();
                copy.slots[fd] = slots[fd];
            }
        }
        return copy;
    }

    /** execve: closes every fd marked close-on-exec. */
    public synchronized void closeOnExec() {
        for (int fd = 0; fd < slots.length; fd++) {
            if (slots[fd] != null && slots[fd].closeOnExec()) {
                close(fd);
            }
        }
    }

    /** dup3: makes {@code fd} refer to {@code file}, silently closing what it referred to. */
    public synchronized void install(int fd, OpenFile file, boolean closeOnExec) {
        if (fd < 0 || fd >= slots.length) {
            throw new ErrnoException(Errno.EBADF);
        }
        Slot previous = slots[fd];
        file.retain();
        slots[fd] = new Slot(file, closeOnExec);
        if (previous != null) {
            previous.file().drop();
        }
    }

    public synchronized void close(int fd) {
        Slot slot = slot(fd);
        slots[fd] = null;
        slot.file().drop();
    }

    public synchronized boolean closeOnExec(int fd) {
        return slot(fd).closeOnExec();
    }

    public synchronized void setCloseOnExec(int fd, boolean closeOnExec) {
        slots[fd] = new Slot(slot(fd).file(), closeOnExec);
    }

    /** Every open description once, for updates after a rename or unlink. */
    public synchronized List<OpenFile> openFiles() {
        Set<OpenFile> files = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Slot slot : slots) {
            if (slot != null) {
                files.add(slot.file());
            }
        }
        return new ArrayList<>(files);
    }

    /** The open fd numbers, lowest first. */
    public synchronized List<Integer> openDescriptors() {
        List<Integer> open = new ArrayList<>();
        for (int fd = 0; fd < slots.length; fd++) {
            if (slots[fd] != null) {
                open.add(fd);
            }
        }
        return open;
    }

    /** Closes every fd; a description that fails to release is logged, the rest still close. */
    public synchronized void closeAll() {
        for (int fd = 0; fd < slots.length; fd++) {
            if (slots[fd] != null) {
                try {
                    close(fd);
                } catch (ErrnoException e) {
                    LOG.debug("closing fd {} at the end of the run: {}", fd, e.getMessage());
                }
            }
        }
    }

    private Slot slot(int fd) {
        Slot slot = fd >= 0 && fd < slots.length ? slots[fd] : null;
        if (slot == null) {
            throw new ErrnoException(Errno.EBADF);
        }
        return slot;
    }

    private int lowestFree(int lowest) {
        for (int fd = lowest; fd < slots.length; fd++) {
            if (slots[fd] == null) {
                return fd;
            }
        }
        onExhausted.run();
        throw new ErrnoException(Errno.EMFILE);
    }
}
