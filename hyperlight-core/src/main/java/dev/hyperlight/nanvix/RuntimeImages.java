package dev.hyperlight.nanvix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the host directory of each {@link RuntimeImage}, extracting bundled images into the
 * cache directory on first use. One per sandbox; remembers what it found.
 */
final class RuntimeImages {

    private final Path cacheDirectory;
    private final ClassLoader resources;
    private final ConcurrentHashMap<RuntimeImage, Path> located = new ConcurrentHashMap<>();

    RuntimeImages(Path cacheDirectory, ClassLoader resources) {
        this.cacheDirectory = cacheDirectory;
        this.resources = resources;
    }

    /** The host directory holding {@code runtime}'s files, its interpreter checked present. */
    Path locate(GuestRuntime runtime) throws SandboxException {
        Path directory = located.get(runtime.image());
        if (directory == null) {
            directory = switch (runtime.image()) {
                case RuntimeImage.HostDirectory host -> host.directory().toAbsolutePath();
                case RuntimeImage.Bundled bundled -> extracted(runtime, bundled);
                case RuntimeImage.Debian debian -> debianImage(runtime.name(), debian);
            };
            located.putIfAbsent(runtime.image(), directory);
        }
        if (!Files.isRegularFile(directory.resolve(runtime.interpreter()))) {
            throw unavailable(runtime, "its interpreter " + runtime.interpreter() + " is missing from " + directory);
        }
        return directory;
    }

    /** The root of a Debian-package image, for {@code user} (a runtime's name, or what needs it). */
    static Path debianImage(String user, RuntimeImage.Debian image) throws SandboxException {
        String images = System.getProperty(RuntimeImage.Debian.IMAGES_PROPERTY);
        if (images == null) {
            throw new SandboxException(SandboxException.Reason.RUNTIME_UNAVAILABLE, "the " + user
                    + " runtime is not available: the Debian runtime images were not found (set the system property "
                    + RuntimeImage.Debian.IMAGES_PROPERTY + " to the directory guest-runtimes/debian/build-image.sh"
                    + " fills; ./hyperlight-nanvix does)");
        }
        Path root = Path.of(images, image.name(), "root").toAbsolutePath();
        if (!Files.isDirectory(root)) {
            throw new SandboxException(SandboxException.Reason.RUNTIME_UNAVAILABLE, "the " + user
                    + " runtime is not available: its image " + root + " was not built (guest-runtimes/debian/"
                    + "build-image.sh " + image.name() + " " + images + ")");
        }
        return root;
    }

    /** One line of a manifest: {@code SHA256 MODE PATH}. */
    private record Entry(String sha256, int mode, String path) {
        static Entry parse(String line) {
            String[] fields = line.split(" ", 3);
            if (fields.length != 3 || !fields[0].matches("[0-9a-f]{64}") || !fields[1].matches("[0-7]{3,4}")) {
                throw new IllegalArgumentException("malformed manifest line '" + line + "'");
            }
            Path relative = Path.of(fields[2]).normalize();
            if (relative.isAbsolute() || relative.startsWith("..") || relative.toString().isEmpty()) {
                throw new IllegalArgumentException("manifest path '" + fields[2] + "' leaves the image");
            }
            return new Entry(fields[0], Integer.parseInt(fields[1], 8), relative.toString());
        }
    }

    private Path extracted(GuestRuntime runtime, RuntimeImage.Bundled bundled) throws SandboxException {
        String manifestName = bundled.resourceRoot() + "/" + RuntimeImage.Bundled.MANIFEST;
        byte[] manifest;
        try {
            manifest = resource(manifestName);
        } catch (IOException e) {
            throw unavailable(runtime, "cannot read " + manifestName + ": " + e.getMessage());
        }
        if (manifest == null) {
            throw unavailable(runtime, manifestName + " is not on the class path (is the guest-runtimes jar missing?)");
        }
        String root = bundled.resourceRoot();
        String name = root.substring(root.lastIndexOf('/') + 1) + "-" + sha256(manifest).substring(0, 16);
        Path target = cacheDirectory.resolve(name);
        try {
            List<Entry> entries = new ArrayList<>();
            for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    entries.add(Entry.parse(line.strip()));
                }
            }
            // An image is only ever moved into place whole; still, the cache is outside our
            // control between runs, so each sandbox checks every file once before using it.
            if (Files.isDirectory(target)) {
                verify(target, entries);
                return target;
            }
            Files.createDirectories(cacheDirectory);
            Path partial = Files.createTempDirectory(cacheDirectory, name + ".partial-");
            try {
                for (Entry entry : entries) {
                    extract(root, entry, partial);
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // Another process extracted the same image first: use theirs.
                if (!Files.isDirectory(target)) {
                    throw raced;
                }
                verify(target, entries);
            } finally {
                RunDirectory.deleteTree(partial);
            }
            return target;
        } catch (IOException | IllegalArgumentException e) {
            throw unavailable(runtime, "cannot use " + root + " in " + cacheDirectory + ": " + e.getMessage());
        }
    }

    private static void verify(Path image, List<Entry> entries) throws IOException {
        for (Entry entry : entries) {
            Path file = image.resolve(entry.path());
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !sha256(Files.readAllBytes(file)).equals(entry.sha256())) {
                throw new IOException(image + " is damaged (" + entry.path()
                        + " is missing or differs from the manifest); delete it to extract it again");
            }
        }
    }

    private void extract(String root, Entry entry, Path into) throws IOException {
        byte[] content = resource(root + "/" + entry.path());
        if (content == null) {
            throw new IOException(entry.path() + " is listed in the manifest but not on the class path");
        }
        if (!sha256(content).equals(entry.sha256())) {
            throw new IOException(entry.path() + " does not match its digest in the manifest");
        }
        Path file = into.resolve(entry.path());
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Files.setPosixFilePermissions(file, readOnly(entry.mode()));
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
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static SandboxException unavailable(GuestRuntime runtime, String why) {
        return new SandboxException(SandboxException.Reason.RUNTIME_UNAVAILABLE,
                "the " + runtime.name() + " runtime is not available: " + why);
    }
}
