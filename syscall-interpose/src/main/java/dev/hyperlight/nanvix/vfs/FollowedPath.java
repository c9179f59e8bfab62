package dev.hyperlight.nanvix.vfs;

import java.nio.file.Path;

/**
 * The host path of an open file as the guest's renames and removals move it: the file keeps
 * its place under a renamed directory, and has none once the guest removed its name.
 */
public final class FollowedPath {

    private volatile Path path;

    public FollowedPath(Path path) {
        this.path = path;
    }

    /** The host path now, or null once the guest removed the name. */
    public Path get() {
        return path;
    }

    /** The guest renamed host path {@code from} to {@code to}: follow if the file is at or below it. */
    public void moved(Path from, Path to) {
        Path now = path;
        if (now != null && now.startsWith(from)) {
            path = to.resolve(from.relativize(now));
        }
    }

    /** The guest removed the name at host path {@code removed}: forget it if it is this one. */
    public void unlinked(Path removed) {
        if (removed.equals(path)) {
            path = null;
        }
    }
}
