package dev.hyperlight.nanvix.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException.Reason;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file format: what is written reads back, and every kind of damage is refused. */
class SnapshotFileTest {

    static final long RAM_SIZE = 16 * SnapshotFile.PAGE_SIZE;
    static final Map<String, String> TAGS = Map.of("kernel", "ab12", "image", "cd34");
    static final SnapshotInfo INFO = new SnapshotInfo("kvm", Flavour.PVM, RAM_SIZE, 2_100_000,
            Instant.parse("2026-12-07T09:00:00.123456789Z"), TAGS);
    static final byte[] CPU_STATE = {1, 2, 3, 4, 5};

    @TempDir
    Path directory;

    /** RAM with data in pages 0, 1, 5 and 15; page 3 is zero though the backend says it may hold data. */
    static MemorySegment sampleRam(Arena arena) {
        MemorySegment ram = arena.allocate(RAM_SIZE);
        ram.set(ValueLayout.JAVA_LONG, 0, 0x1111);
        ram.set(ValueLayout.JAVA_LONG, SnapshotFile.PAGE_SIZE + 8, 0x2222);
        ram.set(ValueLayout.JAVA_BYTE, 5 * SnapshotFile.PAGE_SIZE + 4095, (byte) 0x55);
        ram.set(ValueLayout.JAVA_LONG, 15 * SnapshotFile.PAGE_SIZE, -1);
        return ram;
    }

    private Path written(Arena arena) throws IOException {
        Path file = directory.resolve("vm.snapshot");
        SnapshotFile.write(file, INFO, CPU_STATE, sampleRam(arena), page -> true);
        return file;
    }

    @Test
    void whatIsWrittenReadsBackAndStoresOnlyPagesWithData() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path file = written(arena);
            // Four pages of data; the zero pages cost only their bit in the page map.
            assertThat(Files.size(file)).isLessThan(5 * SnapshotFile.PAGE_SIZE);
            try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
                assertThat(reader.info()).isEqualTo(INFO);
                reader.require("kvm", Flavour.PVM, Map.of("kernel", "ab12"));
                MemorySegment ram = arena.allocate(RAM_SIZE);
                assertThat(reader.readInto(ram)).containsExactly(CPU_STATE);
                assertThat(ram.mismatch(sampleRam(arena))).isEqualTo(-1);
            }
        }
    }

    @Test
    void pagesTheBackendKnowsUntouchedAreNotStored() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path file = directory.resolve("vm.snapshot");
            SnapshotFile.write(file, INFO, CPU_STATE, sampleRam(arena), page -> page != 5);
            try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
                MemorySegment ram = arena.allocate(RAM_SIZE);
                reader.readInto(ram);
                assertThat(ram.get(ValueLayout.JAVA_BYTE, 5 * SnapshotFile.PAGE_SIZE + 4095)).isZero();
                assertThat(ram.get(ValueLayout.JAVA_LONG, 15 * SnapshotFile.PAGE_SIZE)).isEqualTo(-1);
            }
        }
    }

    @Test
    void aFlippedByteAnywhereIsRefused() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            byte[] good = Files.readAllBytes(written(arena));
            Path damaged = directory.resolve("damaged.snapshot");
            for (int at : positions(good.length)) {
                byte[] bytes = good.clone();
                bytes[at] ^= 0x10;
                Files.write(damaged, bytes);
                assertThat(refusal(damaged, arena)).as("byte %d flipped", at).isNotNull();
            }
            // The ones past the header are found by the digest of the whole file.
            byte[] bytes = good.clone();
            bytes[bytes.length - 100] ^= 1;
            Files.write(damaged, bytes);
            assertThat(refusal(damaged, arena).reason()).isEqualTo(Reason.DAMAGED);
            assertThat(refusal(damaged, arena).getMessage()).contains("digest does not match");
        }
    }

    /** Each offset in the first 512 bytes (preamble to page map) and the last 64, each 61st between. */
    private static int[] positions(int length) {
        return java.util.stream.IntStream.range(0, length)
                .filter(at -> at < 512 || at >= length - 64 || at % 61 == 0).toArray();
    }

    @Test
    void aTruncatedFileIsRefusedAtAnyLength() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            byte[] good = Files.readAllBytes(written(arena));
            Path cut = directory.resolve("cut.snapshot");
            for (int length : positions(good.length)) {
                Files.write(cut, java.util.Arrays.copyOf(good, length));
                SnapshotRefusedException refusal = refusal(cut, arena);
                assertThat(refusal).as("cut to %d bytes", length).isNotNull();
                if (length >= 8) {
                    assertThat(refusal.reason()).as("cut to %d bytes", length).isEqualTo(Reason.TRUNCATED);
                }
            }
        }
    }

    @Test
    void anotherHypervisorOrFlavourIsRefused() throws Exception {
        try (Arena arena = Arena.ofConfined(); SnapshotFile.Reader reader = SnapshotFile.open(written(arena))) {
            assertThatThrownBy(() -> reader.require("kvm", Flavour.HARDWARE, Map.of()))
                    .isInstanceOfSatisfying(SnapshotRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OTHER_HYPERVISOR))
                    .hasMessageContaining("was taken by kvm on PVM");
            assertThatThrownBy(() -> reader.require("mshv", Flavour.PVM, Map.of()))
                    .isInstanceOfSatisfying(SnapshotRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OTHER_HYPERVISOR));
        }
    }

    @Test
    void anotherKernelOrAMissingTagIsRefused() throws Exception {
        try (Arena arena = Arena.ofConfined(); SnapshotFile.Reader reader = SnapshotFile.open(written(arena))) {
            assertThatThrownBy(() -> reader.require("kvm", Flavour.PVM, Map.of("kernel", "ffff")))
                    .isInstanceOfSatisfying(SnapshotRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.MISMATCHED_TAG))
                    .hasMessageEndingWith("was taken with kernel ab12, this run needs ffff.");
            assertThatThrownBy(() -> reader.require("kvm", Flavour.PVM, Map.of("runtime", "python")))
                    .isInstanceOfSatisfying(SnapshotRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.MISMATCHED_TAG))
                    .hasMessageContaining("carries no 'runtime' tag");
        }
    }

    @Test
    void otherFilesAreRefusedWithTheirReason() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path text = Files.writeString(directory.resolve("notes.txt"), "not a snapshot at all");
            assertThat(refusal(text, arena).reason()).isEqualTo(Reason.NOT_A_SNAPSHOT);
            assertThat(refusal(directory.resolve("missing"), arena).reason()).isEqualTo(Reason.UNREADABLE);

            byte[] newer = Files.readAllBytes(written(arena));
            ByteBuffer.wrap(newer).putInt(8, SnapshotFile.FORMAT_VERSION + 1);
            Path future = Files.write(directory.resolve("future.snapshot"), newer);
            assertThat(refusal(future, arena).reason()).isEqualTo(Reason.UNSUPPORTED_VERSION);
            assertThat(refusal(future, arena).getMessage()).contains("format version 2");
        }
    }

    @Test
    void aHugeAnnouncedHeaderIsRefusedBeforeAnythingIsAllocated() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = Files.readAllBytes(written(arena));
            ByteBuffer.wrap(bytes).putInt(12, Integer.MAX_VALUE);
            Path file = Files.write(directory.resolve("huge.snapshot"), bytes);
            assertThat(refusal(file, arena).reason()).isEqualTo(Reason.DAMAGED);
            assertThat(refusal(file, arena).getMessage()).contains("header of 2147483647 bytes");
        }
    }

    @Test
    void writingReplacesTheFileWholeAndLeavesNoTemporaryFile() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path file = written(arena);
            SnapshotFile.write(file, INFO.withTags(Map.of("kernel", "99")), CPU_STATE, sampleRam(arena), page -> true);
            try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
                assertThat(reader.info().tags()).containsEntry("kernel", "99").containsEntry("image", "cd34");
            }
            try (var entries = Files.list(directory)) {
                assertThat(entries).containsExactly(file);
            }
        }
    }

    @Test
    void infoRejectsWhatTheFormatCannotHold() {
        assertThatThrownBy(() -> new SnapshotInfo("kvm", Flavour.PVM, 4095, 0, Instant.EPOCH, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> INFO.withTags(Map.of("bad key", "x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> INFO.withTags(Map.of("k", "line\nbreak")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The refusal of {@code file} by open, require (kvm/PVM, kernel ab12) or readInto; null when it loads. */
    static SnapshotRefusedException refusal(Path file, Arena arena) {
        try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
            reader.require("kvm", Flavour.PVM, Map.of("kernel", "ab12"));
            reader.readInto(arena.allocate(reader.info().memorySize()));
            return null;
        } catch (SnapshotRefusedException e) {
            assertThat(e.getMessage()).startsWith("The snapshot ").endsWith(".");
            return e;
        }
    }
}
