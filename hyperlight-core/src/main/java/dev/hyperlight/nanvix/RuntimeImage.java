package dev.hyperlight.nanvix;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the files of a {@link GuestRuntime} come from. The guest sees them read-only at the
 * runtime's mount point; the host reads them through the run's virtual file system like any other
 * mounted directory, so they must be files on the host.
 */
public sealed interface RuntimeImage {

    /** Files already on the host, under {@code directory}. */
    record HostDirectory(Path directory) implements RuntimeImage {
        public HostDirectory {
            Objects.requireNonNull(directory, "directory");
        }
    }

    /**
     * An image assembled from Debian packages by {@code guest-runtimes/debian/build-image.sh NAME
     * DIR} (e.g. {@code base}: glibc, libstdc++, libgcc; {@code python}: CPython 3.11 and its
     * standard library). Found, in this order, at {@code DIR/NAME/root} where {@code DIR} is the
     * system property {@value #IMAGES_PROPERTY} (an override: the {@code hyperlight-nanvix}
     * launcher sets it to the images the build made in {@code guest-runtimes/target/images}), at
     * {@code DIR/NAME/root} where {@code DIR} is {@link RuntimeConfig#imagesDirectory()}, or in its
     * artifact {@code dev.hyperlight.nanvix:runtime-image-NAME}, extracted like a {@link Bundled}
     * image from the resources {@code hyperlight-nanvix/images/NAME}.
     */
    record Debian(String name) implements RuntimeImage {
        /** The system property that overrides where Debian images are found. */
        public static final String IMAGES_PROPERTY = "hyperlight.nanvix.images";
        /** The image dynamically linked programs run with: their loader and C/C++ libraries. */
        public static final Debian BASE = new Debian("base");

        public Debian {
            if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
                throw new IllegalArgumentException("image name '" + name + "' must be a plain lower-case name");
            }
        }
    }

    /**
     * Files packaged as resources under {@code resourceRoot} (no leading {@code /}), listed by the
     * manifest {@code resourceRoot/image.manifest}, one entry a line: {@code SHA256 MODE PATH} (a
     * file: hex digest, octal permissions, path relative to the root), {@code dir PATH} or {@code
     * link TARGET PATH} (a symbolic link). On first use they are extracted into a private
     * directory in {@link RuntimeConfig#runtimeCacheDirectory()}, checked against their digests and
     * renamed, whole, to a directory named for the manifest's digest, used from there by every
     * later run. A {@code resourceRoot} that is not a Java package name (one with a {@code -})
     * is found on the module path as on the class path.
     */
    record Bundled(String resourceRoot) implements RuntimeImage {
        /** The name of the manifest in {@code resourceRoot}. */
        public static final String MANIFEST = "image.manifest";

        public Bundled {
            if (resourceRoot.isEmpty() || resourceRoot.startsWith("/") || resourceRoot.endsWith("/")) {
                throw new IllegalArgumentException("resource root '" + resourceRoot
                        + "' must be a relative resource path without a trailing '/'");
            }
        }
    }
}
