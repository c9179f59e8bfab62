package dev.hyperlight.nanvix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a Debian runtime image was built from against what its lock pins: build-image.sh writes
 * both into the image, {@code usr/share/hyperlight-nanvix/packages.built} and {@code
 * packages.lock}, one {@code PACKAGE VERSION SHA256} a line. They differ when the build had to
 * take other versions (the suites no longer served the locked ones) or the image predates its
 * lock; {@code hyperlight-nanvix doctor} says so.
 */
final class ImageLock {

    static final String BUILT = "usr/share/hyperlight-nanvix/packages.built";
    static final String LOCK = "usr/share/hyperlight-nanvix/packages.lock";
    /** Differences named in the sentence; more are counted. */
    private static final int NAMED = 3;

    private ImageLock() {}

    /**
     * How the image at {@code root} differs from its lock, one sentence, or empty when it was
     * built exactly as locked or carries no lock (QuickJS, a host directory).
     */
    static Optional<String> drift(Path root) throws IOException {
        Map<String, String> built = versions(root.resolve(BUILT));
        Map<String, String> locked = versions(root.resolve(LOCK));
        if (built.isEmpty() && locked.isEmpty()) {
            return Optional.empty();
        }
        List<String> differences = new ArrayList<>();
        locked.forEach((name, version) -> {
            String got = built.get(name);
            if (!version.equals(got)) {
                differences.add(name + " " + (got == null ? "missing" : got) + " (lock: " + version + ")");
            }
        });
        built.keySet().stream().filter(name -> !locked.containsKey(name))
                .forEach(name -> differences.add(name + " " + built.get(name) + " (not in the lock)"));
        if (differences.isEmpty()) {
            return Optional.empty();
        }
        String named = String.join(", ", differences.subList(0, Math.min(NAMED, differences.size())));
        int more = differences.size() - NAMED;
        return Optional.of(differences.size() + (differences.size() == 1 ? " package differs" : " packages differ")
                + " from the image's lock: " + named + (more > 0 ? " and " + more + " more" : ""));
    }

    /** Package to version, from a lock-format file; empty when there is no file. */
    private static Map<String, String> versions(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        Map<String, String> versions = new LinkedHashMap<>();
        for (String line : lines) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length >= 2 && !fields[0].startsWith("#")) {
                versions.put(fields[0], fields[1]);
            }
        }
        return versions;
    }
}
