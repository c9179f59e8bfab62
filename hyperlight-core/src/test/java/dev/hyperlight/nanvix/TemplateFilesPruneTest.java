package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The template directory as a bounded cache: least recently used templates go first. */
@Tag("no-vm")
class TemplateFilesPruneTest {

    @TempDir
    Path directory;

    private Path template(String kind, int number, int size, long usedSecondsAgo) throws IOException {
        Path file = directory.resolve(kind + "-" + "%032x".formatted(number) + ".snapshot");
        Files.write(file, new byte[size]);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(usedSecondsAgo)));
        return file;
    }

    private Stream<String> names() throws IOException {
        return Files.list(directory).map(path -> path.getFileName().toString()).sorted();
    }

    @Test
    void beyondTheFileBoundTheLeastRecentlyUsedAreDeleted() throws IOException {
        Path newest = template("python", 1, 10, 0);
        Path middle = template("program", 2, 10, 100);
        Path oldest = template("javascript", 3, 10, 200);

        TemplateFiles.prune(directory, 2, Long.MAX_VALUE);

        assertThat(newest).exists();
        assertThat(middle).exists();
        assertThat(oldest).doesNotExist();
    }

    @Test
    void beyondTheByteBoundTheLeastRecentlyUsedAreDeletedButTheNewestStays() throws IOException {
        Path huge = template("python", 1, 300, 0);
        Path small = template("program", 2, 100, 100);
        Path older = template("program", 3, 100, 200);

        TemplateFiles.prune(directory, 10, 350);
        assertThat(huge).exists();
        assertThat(small).doesNotExist();
        assertThat(older).doesNotExist();

        TemplateFiles.prune(directory, 10, 1);
        assertThat(huge).as("the template just saved or used is kept even above the bound").exists();
    }

    @Test
    void filesNotNamedAsTemplatesAreLeftAlone() throws IOException {
        Files.writeString(directory.resolve("notes.txt"), "mine");
        Files.writeString(directory.resolve("python-short.snapshot"), "not ours");
        template("python", 1, 10, 500);
        template("python", 2, 10, 0);

        TemplateFiles.prune(directory, 1, Long.MAX_VALUE);

        assertThat(names()).containsExactly("notes.txt", "python-" + "%032x".formatted(2) + ".snapshot",
                "python-short.snapshot");
    }

    @Test
    void aMissingDirectoryIsNothingToPrune() {
        TemplateFiles.prune(directory.resolve("absent"), 1, 1);
        assertThat(directory.resolve("absent")).doesNotExist();
    }
}
