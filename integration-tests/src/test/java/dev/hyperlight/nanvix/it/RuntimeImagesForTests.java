package dev.hyperlight.nanvix.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Debian-package runtime images built by guest-runtimes/debian/build-image.sh. */
final class RuntimeImagesForTests {

    private RuntimeImagesForTests() {}

    /** The root directory of image {@code name} (base, python), to mount read-only at {@code /}. */
    static Path root(String name) {
        Path root = Path.of(System.getProperty("images.dir", "../guest-runtimes/target/images")).resolve(name)
                .resolve("root");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("runtime image " + root + " was not built");
        }
        return root.toAbsolutePath();
    }
}
