package dev.hyperlight.nanvix.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * Coverage-guided fuzzing of snapshot files, which are untrusted input.
 *
 * <p>The contract, for any bytes: {@link SnapshotFile#open}, {@link SnapshotFile.Reader#require}
 * and {@link SnapshotFile.Reader#readInto} load it or throw {@link SnapshotRefusedException} with a
 * one-sentence message, nothing else, and never allocate by a length the file's size does not back.
 * For a valid file the fuzzer then damages (a flipped bit, a cut, appended bytes): every damaged
 * file is refused, every undamaged one reads back exactly what was written.
 */
class SnapshotFileFuzzTest {

    /** A RAM size a file may announce for the heap copy here; larger sizes need a larger file. */
    private static final long MAX_FUZZ_RAM = 64L << 20;

    @FuzzTest
    void anyBytesLoadOrAreRefusedWithAReason(FuzzedDataProvider data) throws IOException {
        Path file = Files.createTempFile("fuzz", ".snapshot");
        try (Arena arena = Arena.ofConfined()) {
            Files.write(file, data.consumeRemainingAsBytes());
            try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
                SnapshotInfo info = reader.info();
                // The file backs every page map bit and stored page it announces.
                assertThat(info.memorySize() / SnapshotFile.PAGE_SIZE / 8).isLessThanOrEqualTo(Files.size(file));
                if (info.memorySize() <= MAX_FUZZ_RAM) {
                    reader.readInto(arena.allocate(info.memorySize()));
                }
            } catch (SnapshotRefusedException e) {
                assertThat(e.getMessage()).startsWith("The snapshot ").endsWith(".");
            }
        } finally {
            Files.delete(file);
        }
    }

    @FuzzTest
    void damagedValidFilesAreRefusedAndUndamagedOnesReadBack(FuzzedDataProvider data) throws Exception {
        Path directory = Files.createTempDirectory("fuzz");
        Path file = directory.resolve("vm.snapshot");
        try (Arena arena = Arena.ofConfined()) {
            long pages = data.consumeInt(1, 64);
            MemorySegment ram = arena.allocate(pages * SnapshotFile.PAGE_SIZE);
            int writes = data.consumeInt(0, 16);
            for (int i = 0; i < writes; i++) {
                ram.set(ValueLayout.JAVA_BYTE, data.consumeLong(0, ram.byteSize() - 1), data.consumeByte());
            }
            SnapshotInfo info = new SnapshotInfo("kvm", data.pickValue(Flavour.values()), ram.byteSize(),
                    data.consumeLong(0, 10_000_000), Instant.ofEpochSecond(data.consumeLong(0, 1L << 40)),
                    Map.of("kernel", data.consumeAsciiString(64).replaceAll("[^ -~]", "?")));
            byte[] cpuState = data.consumeBytes(data.consumeInt(0, 4096));
            SnapshotFile.write(file, info, cpuState, ram, page -> true);

            byte[] good = Files.readAllBytes(file);
            byte[] bytes = switch (data.consumeInt(0, 3)) {
                case 0 -> good;
                case 1 -> {
                    byte[] flipped = good.clone();
                    flipped[data.consumeInt(0, good.length - 1)] ^= (byte) (1 << data.consumeInt(0, 7));
                    yield flipped;
                }
                case 2 -> Arrays.copyOf(good, data.consumeInt(0, good.length - 1));
                default -> {
                    byte[] extra = data.consumeBytes(64);
                    byte[] longer = Arrays.copyOf(good, good.length + Math.max(1, extra.length));
                    System.arraycopy(extra, 0, longer, good.length, extra.length);
                    yield longer;
                }
            };
            Files.write(file, bytes);
            try (SnapshotFile.Reader reader = SnapshotFile.open(file)) {
                MemorySegment loaded = arena.allocate(reader.info().memorySize());
                byte[] loadedCpu = reader.readInto(loaded);
                assertThat(bytes).as("only the undamaged file loads").isSameAs(good);
                assertThat(reader.info()).isEqualTo(info);
                assertThat(loadedCpu).isEqualTo(cpuState);
                assertThat(loaded.mismatch(ram)).isEqualTo(-1);
            } catch (SnapshotRefusedException e) {
                assertThat(bytes).as("the undamaged file loads: " + e.getMessage()).isNotSameAs(good);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.delete(directory);
        }
    }
}
