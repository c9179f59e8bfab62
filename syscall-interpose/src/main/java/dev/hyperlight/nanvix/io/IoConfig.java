package dev.hyperlight.nanvix.io;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one sandbox run's {@link HostIo} serves: its mounts, the guest's starting directory and the
 * console streams behind fds 0, 1 and 2. The streams belong to the caller: {@link HostIo#close()}
 * flushes the outputs but closes none of them.
 *
 * @param workingDirectory canonical guest path of the initial working directory
 */
public record IoConfig(List<Mount> mounts, String workingDirectory, InputStream stdin, OutputStream stdout,
        OutputStream stderr) {

    public IoConfig {
        mounts = List.copyOf(mounts);
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

        public IoConfig build() {
            return new IoConfig(mounts, workingDirectory, stdin, stdout, stderr);
        }
    }
}
