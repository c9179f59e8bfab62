package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.file.FdTable;
import dev.hyperlight.nanvix.vfs.GuestPaths;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one sandbox run's {@link HostIo} serves: its mounts, the guest's starting directory, the
 * console streams behind fds 0, 1 and 2, and its limits. The streams belong to the caller: {@link
 * HostIo#close()} flushes the outputs but closes none of them.
 *
 * @param workingDirectory canonical guest path of the initial working directory
 * @param maxOpenFiles how many fds the guest may have open (EMFILE beyond), console fds included
 * @param writeQuotas bytes the guest may add to a writable mount (ENOSPC beyond), by mount point
 */
public record IoConfig(List<Mount> mounts, String workingDirectory, InputStream stdin, OutputStream stdout,
        OutputStream stderr, int maxOpenFiles, Map<String, Long> writeQuotas) {

    public static final int DEFAULT_MAX_OPEN_FILES = FdTable.DEFAULT_LIMIT;
    /** Enough for the console fds and a few files. */
    public static final int MIN_OPEN_FILES = 8;
    public static final int MAX_OPEN_FILES = 1 << 16;

    public IoConfig {
        mounts = List.copyOf(mounts);
        writeQuotas = Map.copyOf(writeQuotas);
        if (maxOpenFiles < MIN_OPEN_FILES || maxOpenFiles > MAX_OPEN_FILES) {
            throw new IllegalArgumentException("open file limit " + maxOpenFiles + " is outside " + MIN_OPEN_FILES
                    + " to " + MAX_OPEN_FILES);
        }
        writeQuotas.forEach((guestPath, bytes) -> {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative quota for " + guestPath);
            }
        });
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Set<String> points = new HashSet<>();
        for (Mount mount : mounts) {
            if (!points.add(mount.guestPath())) {
                throw new IllegalArgumentException("two mounts at guest path " + mount.guestPath());
            }
        }
        for (String guestPath : writeQuotas.keySet()) {
            if (mounts.stream().noneMatch(m -> m.guestPath().equals(guestPath) && !m.readOnly())) {
                throw new IllegalArgumentException("a quota for " + guestPath + ", which is no writable mount");
            }
        }
        if (!GuestPaths.isCanonical(workingDirectory)) {
            throw new IllegalArgumentException("working directory '" + workingDirectory
                    + "' must be a canonical absolute guest path");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts with no mounts, working directory {@code /}, empty stdin and discarded output. */
    public static final class Builder {
        private final List<Mount> mounts = new ArrayList<>();
        private String workingDirectory = GuestPaths.ROOT;
        private InputStream stdin = InputStream.nullInputStream();
        private OutputStream stdout = OutputStream.nullOutputStream();
        private OutputStream stderr = OutputStream.nullOutputStream();
        private int maxOpenFiles = DEFAULT_MAX_OPEN_FILES;
        private final Map<String, Long> writeQuotas = new HashMap<>();

        private Builder() {
        }

        public Builder mount(Mount mount) {
            mounts.add(Objects.requireNonNull(mount, "mount"));
            return this;
        }

        public Builder workingDirectory(String guestPath) {
            this.workingDirectory = guestPath;
            return this;
        }

        public Builder stdin(InputStream stdin) {
            this.stdin = stdin;
            return this;
        }

        public Builder stdout(OutputStream stdout) {
            this.stdout = stdout;
            return this;
        }

        public Builder stderr(OutputStream stderr) {
            this.stderr = stderr;
            return this;
        }

        public Builder maxOpenFiles(int fds) {
            this.maxOpenFiles = fds;
            return this;
        }

        /** Lets the guest add at most {@code bytes} to the writable mount at {@code guestPath}. */
        public Builder writeQuota(String guestPath, long bytes) {
            writeQuotas.put(guestPath, bytes);
            return this;
        }

        public IoConfig build() {
            return new IoConfig(mounts, workingDirectory, stdin, stdout, stderr, maxOpenFiles, writeQuotas);
        }
    }
}
