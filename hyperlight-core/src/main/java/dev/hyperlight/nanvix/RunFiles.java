package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.vfs.GuestNames;
import dev.hyperlight.nanvix.vfs.GuestPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A run's {@linkplain RunRequest#inputFiles() input files}, written into its private directory
 * before the guest starts, and its {@linkplain RunRequest#outputFiles() output files}, read back
 * after the guest has ended. Paths come canonical and below {@code /tmp} from {@link RunRequest};
 * each name is stored on the host as the guest file system stores it ({@link GuestNames#toHost}).
 */
final class RunFiles {

    /**
     * The output files read back, and whether one was left out for being larger than the limit.
     *
     * @param files content by canonical guest path
     * @param tooLarge whether a file was larger than the request's limit
     */
    record Collected(Map<String, byte[]> files, boolean tooLarge) {}

    private RunFiles() {}

    /**
     * Refuses files that would not be in the run's private directory: below a mount at or under
     * {@code /tmp}, which replaces that directory there.
     */
    static void checkNotHidden(RunRequest request, List<Mount> mounts) throws SandboxException {
        for (Mount mount : mounts) {
            if (!GuestPaths.isWithin(mount.guestPath(), GuestFileSystem.TMP)) {
                continue;
            }
            for (String file : request.inputFiles().keySet()) {
                refuseIfWithin(file, mount);
            }
            for (String file : request.outputFiles()) {
                refuseIfWithin(file, mount);
            }
        }
    }

    private static void refuseIfWithin(String file, Mount mount) throws SandboxException {
        if (GuestPaths.isWithin(file, mount.guestPath())) {
            throw new SandboxException(SandboxException.Reason.INVALID_CONFIGURATION, "file " + file
                    + " would be in the mount at " + mount.guestPath() + ", not in the run's own " + GuestFileSystem.TMP);
        }
    }

    /**
     * Writes {@code files} below {@code runDirectory}, the host directory behind {@code /tmp}.
     *
     * @throws SandboxException INVALID_CONFIGURATION when they hold more than {@code quota} bytes
     *     in all or one is inside another; HOST_ERROR when the host cannot write them
     */
    static void place(Map<String, byte[]> files, Path runDirectory, long quota) throws SandboxException {
        long total = files.values().stream().mapToLong(content -> content.length).sum();
        if (total > quota) {
            throw new SandboxException(SandboxException.Reason.INVALID_CONFIGURATION, "the input files hold "
                    + Sizes.format(total) + ", more than the /tmp quota of " + Sizes.format(quota));
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            for (String other : files.keySet()) {
                if (!other.equals(file.getKey()) && GuestPaths.isWithin(other, file.getKey())) {
                    throw new SandboxException(SandboxException.Reason.INVALID_CONFIGURATION, "input file "
                            + other + " would be inside input file " + file.getKey());
                }
            }
            Path host = hostPath(runDirectory, file.getKey());
            try {
                Files.createDirectories(host.getParent());
                Files.write(host, file.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new SandboxException(SandboxException.Reason.HOST_ERROR, "cannot write input file "
                        + file.getKey() + ": " + e, e);
            }
        }
    }

    /**
     * Reads {@code paths} back from below {@code runDirectory}, at most {@code limit} bytes each.
     * The guest has ended, so nothing changes under us; no symbolic link the guest made is
     * followed, as its target would be resolved on the host. A path that is not a regular file
     * the host can read is left out.
     */
    static Collected collect(Set<String> paths, Path runDirectory, int limit) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        boolean tooLarge = false;
        for (String guestPath : paths) {
            Path host = hostPath(runDirectory, guestPath);
            if (!directoriesOnly(runDirectory, host.getParent())) {
                continue;
            }
            try {
                BasicFileAttributes attributes = Files.readAttributes(host, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (!attributes.isRegularFile()) {
                    continue;
                }
                if (attributes.size() > limit) {
                    tooLarge = true;
                    continue;
                }
                try (InputStream in = Channels.newInputStream(Files.newByteChannel(host,
                        Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))) {
                    byte[] content = in.readNBytes(limit);
                    if (in.read() >= 0) {
                        tooLarge = true;
                        continue;
                    }
                    files.put(guestPath, content);
                }
            } catch (IOException e) {
                // missing or unreadable (the guest may have removed it or taken its permissions): left out
            }
        }
        return new Collected(files, tooLarge);
    }

    /** Whether every directory from {@code root} down to {@code directory} is one, not a symbolic link. */
    private static boolean directoriesOnly(Path root, Path directory) {
        for (Path at = directory; !at.equals(root); at = at.getParent()) {
            if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return true;
    }

    /** Where the guest file system keeps {@code guestPath} (canonical, below {@code /tmp}) on the host. */
    static Path hostPath(Path runDirectory, String guestPath) {
        Path host = runDirectory;
        for (String name : guestPath.substring(GuestFileSystem.TMP.length() + 1).split("/")) {
            host = host.resolve(GuestNames.toHost(name));
        }
        return host;
    }
}
