package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("no-vm")
class ImageLockTest {

    @TempDir
    Path root;

    private void write(String file, String... lines) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.write(path, java.util.List.of(lines));
    }

    @Test
    void anImageBuiltAsLockedOrWithoutALockHasNoDrift() throws IOException {
        assertThat(ImageLock.drift(root)).as("no lock: QuickJS, a host directory").isEmpty();
        write(ImageLock.LOCK, "# comment", "zlib1g 1:1.2.13 aa", "libc6 2.36-9 bb");
        write(ImageLock.BUILT, "libc6 2.36-9 bb", "zlib1g 1:1.2.13 aa");
        assertThat(ImageLock.drift(root)).isEmpty();
    }

    @Test
    void versionsOtherThanLockedAreNamedAndCounted() throws IOException {
        write(ImageLock.LOCK, "a 2 x", "b 2 x", "c 2 x", "d 2 x", "e 1 x");
        write(ImageLock.BUILT, "a 1 x", "b 1 x", "c 1 x", "d 1 x", "f 1 x");

        assertThat(ImageLock.drift(root)).contains("6 packages differ from the image's lock: a 1 (lock: 2),"
                + " b 1 (lock: 2), c 1 (lock: 2) and 3 more");
    }

    @Test
    void anImageBuiltBeforeItsLockExistedShowsEveryPackage() throws IOException {
        write(ImageLock.BUILT, "python3.11-minimal 3.11.2-6+deb12u8 x");

        assertThat(ImageLock.drift(root))
                .contains("1 package differs from the image's lock: python3.11-minimal 3.11.2-6+deb12u8 (not in the lock)");
    }
}
