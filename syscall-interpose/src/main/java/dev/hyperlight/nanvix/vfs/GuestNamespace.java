package dev.hyperlight.nanvix.vfs;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.io.HostIo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The guest's file namespace: mounts of host directories, read-only virtual directories above
 * the mount points, and path resolution in the guest's terms.
 *
 * <p>Confinement rests on one rule: a host path is only ever built as a mount's host root plus
 * names that were looked up one at a time without following host symlinks. Symbolic links are
 * read and resolved here, in the guest namespace ({@code ..} is lexical at the guest root, an
 * absolute target restarts at the guest root), so no path and no link can name a host file
 * outside a mount. Callers hold the namespace lock of their {@link HostIo} while they resolve
 * and act, so the guest cannot swap a directory for a link between the two.
 */
public final class GuestNamespace {

    /** Linux's limits: bytes in a path including its NUL, bytes in one name, links per lookup. */
    static final int PATH_MAX = 4096;
    static final int NAME_MAX = 255;
    static final int MAX_SYMLINKS = 40;

    /** st_uid/st_gid of files in writable mounts (the guest's user) and in read-only ones (root). */
    public static final int GUEST_OWNER = 1000;
    static final int READ_ONLY_OWNER = 0;

    static final long VIRTUAL_DEVICE = 2;
    private static final long FIRST_MOUNT_DEVICE = 3;
    public static final int BLOCK_SIZE = 4096;

    private static final String HOST_ATTRIBUTES =
            "unix:mode,ino,nlink,rdev,size,lastAccessTime,lastModifiedTime,ctime";

    /** A mount as the namespace uses it: its host root made absolute and real, its device number. */
    public record MountPoint(String guestPath, Path hostRoot, boolean readOnly, long device) {
    }

    /** What a guest path names. */
    public sealed interface Node {
        String guestPath();
    }

    /** An existing host file (of any type, symlinks included) inside a mount. */
    public record HostFile(String guestPath, MountPoint mount, Path hostPath, FileType type) implements Node {
    }

    /** A directory above mount points that no mount provides: read-only, lists its child mounts. */
    public record VirtualDirectory(String guestPath) implements Node {
    }

    /** A name with no file, inside a mount: it can be created there if the mount is writable. */
    public record Absent(String guestPath, MountPoint mount, Path hostPath) implements Node {
    }

    /** A name with no file outside every mount: nothing can ever be created there. */
    public record AbsentVirtual(String guestPath) implements Node {
    }

    /** A name in the sandbox's {@code /dev} ({@link Devices}): read-only, never a host file. */
    public record Device(String guestPath, Devices.Entry entry) implements Node {
    }

    private final Map<String, MountPoint> mounts = new HashMap<>();
    /** The root and every strict ancestor of a mount point, sorted (so the root comes first). */
    private final TreeSet<String> virtualDirectories = new TreeSet<>();
    private final Instant createdAt = Instant.now();

    /** @throws IllegalArgumentException if a mount's host directory is missing or not a directory */
    public GuestNamespace(List<Mount> configured) {
        virtualDirectories.add(GuestPaths.ROOT);
        long device = FIRST_MOUNT_DEVICE;
        for (Mount mount : configured) {
            Path root;
            try {
                root = mount.hostDir().toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException("mount " + mount.guestPath() + ": host directory "
                        + mount.hostDir() + " does not exist", e);
            }
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("mount " + mount.guestPath() + ": " + mount.hostDir()
                        + " is not a directory");
            }
            if (Devices.covers(mount.guestPath())) {
                throw new IllegalArgumentException("mount " + mount.guestPath() + ": " + Devices.ROOT
                        + " is the sandbox's own device directory");
            }
            mounts.put(mount.guestPath(), new MountPoint(mount.guestPath(), root, mount.readOnly(), device++));
            for (String p = mount.guestPath(); !p.equals(GuestPaths.ROOT); ) {
                p = GuestPaths.parent(p);
                virtualDirectories.add(p);
            }
        }
    }

    public static boolean isDirectory(Node node) {
        return node instanceof VirtualDirectory || node instanceof HostFile f && f.type() == FileType.DIRECTORY
                || node instanceof Device d && d.entry() instanceof Devices.Directory;
    }

    public static boolean exists(Node node) {
        return node instanceof HostFile || node instanceof VirtualDirectory || node instanceof Device;
    }

    /** Whether {@code guestPath} is a mount point or lies above one (it cannot be removed or renamed). */
    public boolean holdsMount(String guestPath) {
        return mounts.containsKey(guestPath) || virtualDirectories.contains(guestPath);
    }

    /** What the canonical {@code guestPath} names, without following a symlink there. */
    public Node lookup(String guestPath) {
        if (Devices.covers(guestPath)) {
            return Devices.lookup(guestPath).<Node>map(entry -> new Device(guestPath, entry))
                    .orElseGet(() -> new AbsentVirtual(guestPath));
        }
        MountPoint mount = containingMount(guestPath);
        boolean aboveMount = virtualDirectories.contains(guestPath);
        if (mount == null) {
            return aboveMount ? new VirtualDirectory(guestPath) : new AbsentVirtual(guestPath);
        }
        Path host = hostPath(mount, guestPath);
        Optional<FileType> type = typeOf(host);
        if (aboveMount && type.orElse(null) != FileType.DIRECTORY) {
            // A mount point needs a directory to sit on; where the host has none, provide one.
            return new VirtualDirectory(guestPath);
        }
        if (type.isPresent()) {
            return new HostFile(guestPath, mount, host, type.get());
        }
        String parent = GuestPaths.parent(guestPath);
        if (virtualDirectories.contains(parent) && !(lookup(parent) instanceof HostFile)) {
            return new AbsentVirtual(guestPath); // inside a provided directory: nothing to create in
        }
        return new Absent(guestPath, mount, host);
    }

    /**
     * Resolves {@code path} (absolute, or relative to the canonical directory {@code base}) like
     * Linux's path walk, in the guest namespace.
     *
     * @param followLast whether a symlink as the last component is followed (a trailing slash
     *     always follows it)
     * @return the node named; it may be absent when only the last component is missing
     * @throws ErrnoException ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG as Linux would
     */
    public Node resolve(String base, String path, boolean followLast) {
        if (path.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT, "empty path");
        }
        if (GuestNames.byteLength(path) >= PATH_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG);
        }
        boolean trailingSlash = path.endsWith("/");
        Deque<String> pending = new ArrayDeque<>(GuestPaths.components(path));
        String current = path.startsWith("/") ? GuestPaths.ROOT : base;
        Node node = null;
        int links = 0;
        while (!pending.isEmpty()) {
            String name = pending.removeFirst();
            boolean last = pending.isEmpty();
            String next = switch (name) {
                case "." -> current;
                case ".." -> GuestPaths.parent(current);
                default -> {
                    if (GuestNames.byteLength(name) > NAME_MAX) {
                        throw new ErrnoException(Errno.ENAMETOOLONG);
                    }
                    yield GuestPaths.child(current, name);
                }
            };
            Node found = lookup(next);
            if (found instanceof Device device && device.entry() instanceof Devices.DescriptorLink && !last) {
                // Only the calls that know the process's fds follow /dev/fd/N (to the file itself).
                throw new ErrnoException(Errno.ENOTDIR, "a path through /dev/fd/N");
            }
            String target = !last || followLast || trailingSlash ? symlinkTarget(found) : null;
            if (target != null) {
                if (++links > MAX_SYMLINKS) {
                    throw new ErrnoException(Errno.ELOOP);
                }
                if (target.isEmpty()) {
                    throw new ErrnoException(Errno.ENOENT, "empty symlink");
                }
                List<String> targetNames = GuestPaths.components(target);
                for (int i = targetNames.size() - 1; i >= 0; i--) {
                    pending.addFirst(targetNames.get(i));
                }
                if (target.startsWith("/")) {
                    current = GuestPaths.ROOT;
                }
                node = null;
                continue;
            }
            if (!last && !isDirectory(found)) {
                throw new ErrnoException(exists(found) ? Errno.ENOTDIR : Errno.ENOENT);
            }
            current = next;
            node = found;
        }
        if (node == null) {
            node = lookup(current);
        }
        if (trailingSlash && exists(node) && !isDirectory(node)) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        return node;
    }

    /** The text of the symlink {@code node} names, or null if it names none. */
    private String symlinkTarget(Node node) {
        return switch (node) {
            case HostFile link when link.type() == FileType.SYMLINK -> readLink(link);
            case Device d when d.entry() instanceof Devices.StandardStream stream -> stream.target();
            default -> null;
        };
    }

    /** The text of a symlink, as the guest sees it (a guest path). */
    public String readLink(HostFile link) {
        try {
            return GuestNames.fromHost(Files.readSymbolicLink(link.hostPath()).toString());
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    public Stat stat(Node node) {
        return switch (node) {
            case HostFile f -> hostStat(f.mount(), f.hostPath());
            case VirtualDirectory v -> virtualStat(v.guestPath());
            case Device d -> Devices.stat(d.entry(), createdAt);
            case Absent a -> throw new ErrnoException(Errno.ENOENT);
            case AbsentVirtual a -> throw new ErrnoException(Errno.ENOENT);
        };
    }

    /** The stat of host file {@code host} in {@code mount}, without following a symlink there. */
    public static Stat hostStat(MountPoint mount, Path host) {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(host, HOST_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
        int mode = (Integer) a.get("mode");
        int owner = GUEST_OWNER;
        if (mount.readOnly()) {
            mode &= ~0222;
            owner = READ_ONLY_OWNER;
        }
        long size = (Long) a.get("size");
        return new Stat(mount.device(), (Long) a.get("ino"), (Integer) a.get("nlink"), mode, owner, owner,
                (Long) a.get("rdev"), size, BLOCK_SIZE, Stat.blocksFor(size),
                ((FileTime) a.get("lastAccessTime")).toInstant(), ((FileTime) a.get("lastModifiedTime")).toInstant(),
                ((FileTime) a.get("ctime")).toInstant());
    }

    private Stat virtualStat(String guestPath) {
        long inode = 2 + virtualDirectories.headSet(guestPath).size();
        return new Stat(VIRTUAL_DEVICE, inode, 2 + mountChildren(guestPath).size(),
                FileType.DIRECTORY.modeBits() | 0555, READ_ONLY_OWNER, READ_ONLY_OWNER, 0, BLOCK_SIZE, BLOCK_SIZE,
                Stat.blocksFor(BLOCK_SIZE), createdAt, createdAt, createdAt);
    }

    /**
     * The entries of directory {@code directory}: {@code .}, {@code ..}, then the names in it
     * sorted, with mount points below it shown as the directories they are.
     */
    public List<DirectoryEntry> list(Node directory) {
        String path = directory.guestPath();
        if (directory instanceof Device d && d.entry() == Devices.Directory.DEV) {
            return Devices.listRoot(stat(lookup(GuestPaths.ROOT)).inode());
        }
        SortedMap<String, DirectoryEntry> children = new TreeMap<>();
        if (directory instanceof HostFile dir) {
            try (DirectoryStream<Path> names = Files.newDirectoryStream(dir.hostPath())) {
                for (Path child : names) {
                    hostEntry(child).ifPresent(e -> children.put(e.name(), e));
                }
            } catch (IOException e) {
                throw HostErrors.toErrno(e);
            }
        }
        for (String name : mountChildren(path)) {
            Stat stat = stat(lookup(GuestPaths.child(path, name)));
            children.put(name, new DirectoryEntry(stat.inode(), FileType.DIRECTORY, name));
        }
        if (path.equals(GuestPaths.ROOT)) {
            children.put(Devices.rootEntry().name(), Devices.rootEntry()); // over any dev of a root mount
        }
        List<DirectoryEntry> entries = new ArrayList<>();
        entries.add(new DirectoryEntry(stat(directory).inode(), FileType.DIRECTORY, "."));
        entries.add(new DirectoryEntry(stat(lookup(GuestPaths.parent(path))).inode(), FileType.DIRECTORY, ".."));
        entries.addAll(children.values());
        return entries;
    }

    private static Optional<DirectoryEntry> hostEntry(Path child) {
        try {
            Map<String, Object> a = Files.readAttributes(child, "unix:ino,mode", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(new DirectoryEntry((Long) a.get("ino"), FileType.ofMode((Integer) a.get("mode")),
                    GuestNames.fromHost(child.getFileName().toString())));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // removed while we listed
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    /** Names directly in {@code directory} that are mount points or lie above one. */
    private List<String> mountChildren(String directory) {
        TreeSet<String> names = new TreeSet<>();
        for (String p : mounts.keySet()) {
            addIfChild(names, directory, p);
        }
        for (String p : virtualDirectories) {
            addIfChild(names, directory, p);
        }
        return List.copyOf(names);
    }

    private static void addIfChild(TreeSet<String> names, String directory, String path) {
        if (!path.equals(GuestPaths.ROOT) && GuestPaths.parent(path).equals(directory)) {
            names.add(path.substring(path.lastIndexOf('/') + 1));
        }
    }

    /** The mount whose guest path is the longest prefix of {@code guestPath}, or null. */
    private MountPoint containingMount(String guestPath) {
        for (String p = guestPath; ; p = GuestPaths.parent(p)) {
            MountPoint mount = mounts.get(p);
            if (mount != null || p.equals(GuestPaths.ROOT)) {
                return mount;
            }
        }
    }

    /** The guest path of host file {@code host}, which lies in {@code mount}. */
    public String guestPathOf(MountPoint mount, Path host) {
        String guestPath = mount.guestPath();
        for (Path name : mount.hostRoot().relativize(host)) {
            if (!name.toString().isEmpty()) {
                guestPath = GuestPaths.child(guestPath, GuestNames.fromHost(name.toString()));
            }
        }
        return guestPath;
    }

    /** The host path of canonical {@code guestPath}: the mount's root plus one name per component. */
    private static Path hostPath(MountPoint mount, String guestPath) {
        Path host = mount.hostRoot();
        for (String name : GuestPaths.below(guestPath, mount.guestPath())) {
            if (name.equals(".") || name.equals("..")) {
                throw new IllegalStateException("non-canonical guest path " + guestPath);
            }
            try {
                host = host.resolve(GuestNames.toHost(name));
            } catch (InvalidPathException e) {
                // The name has characters the host's file-name encoding (sun.jnu.encoding) cannot hold.
                throw new ErrnoException(Errno.EILSEQ, "unmappable name");
            }
        }
        return host;
    }

    private static Optional<FileType> typeOf(Path host) {
        try {
            int mode = (Integer) Files.getAttribute(host, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(FileType.ofMode(mode));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            ErrnoException errno = HostErrors.toErrno(e);
            if (errno.errno() == Errno.ENOTDIR) {
                return Optional.empty(); // below a host file that a provided directory hides
            }
            throw errno;
        }
    }
}
