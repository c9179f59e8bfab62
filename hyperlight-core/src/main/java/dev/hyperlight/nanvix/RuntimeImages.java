package dev.hyperlight.nanvix;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the host directory of each {@link RuntimeImage}, extracting bundled images into the
 * cache directory on first use. One per sandbox; remembers what it found.
 *
 * <p>A Debian image ({@code base}, {@code python}) comes from, in this order: the directory the
 * system property {@value RuntimeImage.Debian#IMAGES_PROPERTY} names (an override for builds from
 * source), the {@linkplain RuntimeConfig#imagesDirectory() configured images directory}, or its
 * artifact ({@code runtime-image-NAME}), found as the resources {@code hyperlight-nanvix/images/NAME}
 * and extracted like any {@link RuntimeImage.Bundled} image.
 *
 * <p>Resources are looked up through a class loader under names that are not Java package names
 * (the {@code -} in {@code hyperlight-nanvix}): the module system never encapsulates such
 * resources, so the same lookup works on the class path and on the module path.
 */
final class RuntimeImages {

    /** The resource folder of the Debian images' artifacts (and of QuickJS's). */
    static final String RESOURCE_FOLDER = "hyperlight-nanvix/images";
    /** What needs the base image, for messages. */
    static final String BASE_USER = "the base image (the loader and C/C++ libraries of dynamically linked programs)";

    private final Path cacheDirectory;
    private final Optional<Path> imagesDirectory;
    private final ClassLoader resources;
    private final ConcurrentHashMap<RuntimeImage, Path> located = new ConcurrentHashMap<>();
    /** Each runtime's interpreter as last read and checked, by its file. */
    private final ConcurrentHashMap<Path, LoadedInterpreter> interpreters = new ConcurrentHashMap<>();

    /**
     * An interpreter file read and checked for guests of {@code memorySize}, and what its file was
     * then: it is read again when the file is no longer that one (another inode, size or time).
     */
    private record LoadedInterpreter(Object fileKey, long size, FileTime modified, long memorySize, Program program) {

        boolean stillDescribes(BasicFileAttributes file, long memorySize) {
            return this.memorySize == memorySize && Objects.equals(fileKey, file.fileKey()) && size == file.size()
                    && modified.equals(file.lastModifiedTime());
        }
    }

    RuntimeImages(Path cacheDirectory, Optional<Path> imagesDirectory, ClassLoader resources) {
        this.cacheDirectory = cacheDirectory;
        this.imagesDirectory = imagesDirectory;
        this.resources = resources;
    }

    /** The images {@code config} names, found through this library's class loader. */
    static RuntimeImages of(RuntimeConfig config) {
        return new RuntimeImages(config.runtimeCacheDirectory(), config.imagesDirectory(),
                RuntimeImages.class.getClassLoader());
    }

    /**
     * A runtime's interpreter {@code file} (in a {@linkplain #locate located} image), read and
     * checked for guests of {@code memorySize}: once, and again only when the file changes (a
     * runtime in a host directory may be rebuilt), so a warm run does not read a CPython of
     * several megabytes again.
     */
    Program interpreter(Path file, long memorySize) throws SandboxException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return Program.load(file, memorySize); // says what is wrong with the file
        }
        LoadedInterpreter loaded = interpreters.get(file);
        if (loaded != null && loaded.stillDescribes(attributes, memorySize)) {
            return loaded.program();
        }
        Program program = Program.load(file, memorySize);
        interpreters.put(file, new LoadedInterpreter(attributes.fileKey(), attributes.size(),
                attributes.lastModifiedTime(), memorySize, program));
        return program;
    }

    /** The host directory holding {@code runtime}'s files, its interpreter checked present. */
    Path locate(GuestRuntime runtime) throws SandboxException {
        Path directory = locate(runtime.image(), "the " + runtime.name() + " runtime");
        if (!Files.isRegularFile(directory.resolve(runtime.interpreter()))) {
            throw new SandboxException(SandboxException.Reason.RUNTIME_UNAVAILABLE, "the " + runtime.name()
                    + " runtime is not available: its interpreter " + runtime.interpreter() + " is missing from " + directory);
        }
        return directory;
    }

    /** The host directory of {@code image}; {@code user} names what needs it, for messages. */
    Path locate(RuntimeImage image, String user) throws SandboxException {
        Path directory = located.get(image);
        if (directory == null) {
            directory = switch (image) {
                case RuntimeImage.HostDirectory host -> host.directory().toAbsolutePath();
                case RuntimeImage.Bundled bundled -> extracted(user, bundled.resourceRoot());
                case RuntimeImage.Debian debian -> debianImage(user, debian);
            };
            located.putIfAbsent(image, directory);
        }
        return directory;
    }

    private Path debianImage(String user, RuntimeImage.Debian image) throws SandboxException {
        String override = System.getProperty(RuntimeImage.Debian.IMAGES_PROPERTY);
        Optional<Path> images = override != null ? Optional.of(Path.of(override)) : imagesDirectory;
        if (images.isPresent()) {
            Path root = images.get().resolve(image.name()).resolve("root").toAbsolutePath();
            if (!Files.isDirectory(root)) {
                String source = override != null ? "the system property " + RuntimeImage.Debian.IMAGES_PROPERTY
                        : "RuntimeConfig.imagesDirectory";
                throw new SandboxException(SandboxException.Reason.RUNTIME_UNAVAILABLE, user + " is not available: "
                        + "its image " + root + " was not built (" + source + " names " + images.get()
                        + "; guest-runtimes/debian/build-image.sh " + image.name() + " " + images.get() + " builds it)");
            }
            return root;
        }
        return extracted(user, RESOURCE_FOLDER + "/" + image.name());
    }

    private Path extracted(String user, String root) throws SandboxException {
        String manifestName = root + "/" + RuntimeImage.Bundled.MANIFEST;
        byte[] manifest;
        try {
            manifest = resource(manifestName);
        } catch (IOException e) {
            throw unavailable(user, "cannot read " + manifestName + ": " + e.getMessage());
        }
        if (manifest == null) {
            throw unavailable(user, missingArtifact(root));
        }
        String name = root.substring(root.lastIndexOf('/') + 1) + "-" + sha256(manifest).substring(0, 16);
        Path target = cacheDirectory.resolve(name);
        try {
            ImageManifest entries = ImageManifest.parse(new String(manifest, StandardCharsets.UTF_8));
            // An image is only ever moved into place whole; still, the cache is outside our
            // control between runs, so each sandbox checks every entry once before using it.
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                verify(target, entries);
                return target;
            }
            Files.createDirectories(cacheDirectory);
            Path partial = Files.createTempDirectory(cacheDirectory, name + ".partial-");
            try {
                extractAll(root, entries, partial);
                try {
                    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    // Another sandbox or process extracted the same image first: use theirs. (On
                    // Linux, rename(2) onto a non-empty directory fails with ENOTEMPTY, which Java
                    // reports as a plain FileSystemException.)
                    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        throw raced;
                    }
                    verify(target, entries);
                }
            } finally {
                RunDirectory.deleteTree(partial);
            }
            return target;
        } catch (IOException | IllegalArgumentException e) {
            throw unavailable(user, "cannot use " + root + " in " + cacheDirectory + ": " + e.getMessage());
        }
    }

    /** What to add when the manifest of {@code root} is not found. */
    private static String missingArtifact(String root) {
        if (root.startsWith(RESOURCE_FOLDER + "/")) {
            String name = root.substring(RESOURCE_FOLDER.length() + 1);
            return "its image is on neither the class path nor the module path (add the artifact"
                    + " dev.hyperlight.nanvix:runtime-image-" + name + ", which dev.hyperlight.nanvix:hyperlight-nanvix"
                    + " brings; on the module path, require the module dev.hyperlight.nanvix.starter or "
                    + "dev.hyperlight.nanvix.image." + name + "), and neither RuntimeConfig.imagesDirectory nor"
                    + " the system property " + RuntimeImage.Debian.IMAGES_PROPERTY + " names a directory of images";
        }
        return root + "/" + RuntimeImage.Bundled.MANIFEST + " is not on the class path or the module path";
    }

    /**
     * Directories first, then files, then links: no link exists while anything is written, and
     * {@link ImageManifest} refused entries below a link, so nothing is written outside {@code into}.
     */
    private void extractAll(String root, ImageManifest manifest, Path into) throws IOException {
        for (ImageManifest.Directory directory : manifest.directories()) {
            Files.createDirectories(into.resolve(directory.path()));
        }
        for (ImageManifest.File file : manifest.files()) {
            extract(root, file, into);
        }
        for (ImageManifest.Link link : manifest.links()) {
            Path at = into.resolve(link.path());
            Files.createDirectories(at.getParent());
            Files.createSymbolicLink(at, Path.of(link.target()));
        }
    }

    private void extract(String root, ImageManifest.File entry, Path into) throws IOException {
        Path file = into.resolve(entry.path());
        Files.createDirectories(file.getParent());
        MessageDigest digest = sha256();
        try (InputStream resource = resources.getResourceAsStream(root + "/" + entry.path())) {
            if (resource == null) {
                throw new IOException(entry.path() + " is listed in the manifest but is not a resource");
            }
            try (InputStream in = new DigestInputStream(resource, digest);
                    OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                in.transferTo(out);
            }
        }
        if (!HexFormat.of().formatHex(digest.digest()).equals(entry.sha256())) {
            throw new IOException(entry.path() + " does not match its digest in the manifest");
        }
        Files.setPosixFilePermissions(file, readOnly(entry.mode()));
    }

    private static void verify(Path image, ImageManifest manifest) throws IOException {
        for (ImageManifest.Directory directory : manifest.directories()) {
            if (!Files.isDirectory(image.resolve(directory.path()), LinkOption.NOFOLLOW_LINKS)) {
                throw damaged(image, directory.path());
            }
        }
        for (ImageManifest.File entry : manifest.files()) {
            Path file = image.resolve(entry.path());
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !sha256(file).equals(entry.sha256())) {
                throw damaged(image, entry.path());
            }
        }
        for (ImageManifest.Link link : manifest.links()) {
            Path at = image.resolve(link.path());
            if (!Files.isSymbolicLink(at) || !Files.readSymbolicLink(at).toString().equals(link.target())) {
                throw damaged(image, link.path());
            }
        }
    }

    private static IOException damaged(Path image, String path) {
        return new IOException(image + " is damaged (" + path
                + " is missing or differs from the manifest); delete it to extract it again");
    }

    /** The manifest's permissions without any write bit: the image is never changed in place. */
    private static Set<PosixFilePermission> readOnly(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < bits.length; bit++) {
            if ((mode & (1 << bit)) != 0 && !bits[bit].name().endsWith("WRITE")) {
                permissions.add(bits[bit]);
            }
        }
        return permissions;
    }

    /** The resource's bytes, or null when there is no such resource. */
    private byte[] resource(String name) throws IOException {
        try (InputStream in = resources.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static String sha256(byte[] content) {
        return HexFormat.of().formatHex(sha256().digest(content));
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static SandboxException unavailable(String user, String why) {
        return new SandboxException(SandboxException.Reason.RUNTIME_UNAVAILABLE, user + " is not available: " + why);
    }

    /**
     * A parsed {@code image.manifest}, one entry a line, the path last (it may hold spaces):
     * {@code SHA256 MODE PATH} (a regular file: hex digest, octal permissions), {@code dir PATH}
     * or {@code link TARGET PATH} (a symbolic link; the guest resolves its target, which holds no
     * space). Every path is relative, normal (no {@code .}, {@code ..} or empty component) and
     * listed once, and none lies below a file or a link.
     */
    record ImageManifest(List<Directory> directories, List<File> files, List<Link> links) {

        record Directory(String path) {}

        record File(String sha256, int mode, String path) {}

        record Link(String target, String path) {}

        static ImageManifest parse(String text) {
            List<Directory> directories = new ArrayList<>();
            List<File> files = new ArrayList<>();
            List<Link> links = new ArrayList<>();
            Set<String> paths = new HashSet<>();
            Set<String> leaves = new HashSet<>();
            for (String line : text.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(" ", 3);
                String path;
                if (fields.length == 2 && fields[0].equals("dir")) {
                    path = checkedPath(fields[1]);
                    directories.add(new Directory(path));
                } else if (fields.length == 3 && fields[0].equals("link") && !fields[1].isEmpty()) {
                    path = checkedPath(fields[2]);
                    links.add(new Link(fields[1], path));
                    leaves.add(path);
                } else if (fields.length == 3 && fields[0].matches("[0-9a-f]{64}") && fields[1].matches("[0-7]{3,4}")) {
                    path = checkedPath(fields[2]);
                    files.add(new File(fields[0], Integer.parseInt(fields[1], 8), path));
                    leaves.add(path);
                } else {
                    throw new IllegalArgumentException("malformed manifest line '" + line + "'");
                }
                if (!paths.add(path)) {
                    throw new IllegalArgumentException("manifest lists '" + path + "' twice");
                }
            }
            for (String path : paths) {
                for (Path parent = Path.of(path).getParent(); parent != null; parent = parent.getParent()) {
                    if (leaves.contains(parent.toString())) {
                        throw new IllegalArgumentException("manifest path '" + path + "' lies below the file or link '"
                                + parent + "'");
                    }
                }
            }
            return new ImageManifest(List.copyOf(directories), List.copyOf(files), List.copyOf(links));
        }

        private static String checkedPath(String path) {
            boolean normal = !path.isEmpty() && !path.startsWith("/") && !path.endsWith("/") && !path.contains("//")
                    && !path.contains("\0");
            for (String component : path.split("/")) {
                normal &= !component.equals(".") && !component.equals("..");
            }
            if (!normal) {
                throw new IllegalArgumentException("manifest path '" + path + "' leaves the image or is not normal");
            }
            return path;
        }
    }
}
