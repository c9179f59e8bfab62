package dev.hyperlight.nanvix.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the test guests (integration-tests/guests) and the examples were built. */
final class Guests {

    private Guests() {}

    static Path guest(String name) {
        return existing(Path.of(System.getProperty("guests.dir", "target/guests")).resolve(name));
    }

    static Path example(String name) {
        return existing(Path.of(System.getProperty("examples.dir", "../guest-examples")).resolve(name));
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalStateException(path + " was not built");
        }
        return path;
    }
}
