package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.Mount;
import java.nio.file.Path;

/** The {@code --mount HOST:GUEST[:ro|rw]} form. */
final class MountSpec {

    private MountSpec() {}

    /**
     * Parses {@code HOST:GUEST[:ro|rw]} (read-write when the mode is missing).
     *
     * @throws IllegalArgumentException with a sentence naming the bad value
     */
    static Mount parse(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("'" + spec + "' is not a mount: use HOST:GUEST[:ro|rw]");
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            readOnly = switch (parts[2]) {
                case "ro" -> true;
                case "rw" -> false;
                default -> throw new IllegalArgumentException(
                        "mount mode '" + parts[2] + "' in '" + spec + "' must be ro or rw");
            };
        }
        Path host = Path.of(parts[0]);
        if (!java.nio.file.Files.isDirectory(host)) {
            throw new IllegalArgumentException("mount source '" + parts[0] + "' is not a directory");
        }
        return new Mount(parts[1], host.toAbsolutePath().normalize(), readOnly);
    }
}
