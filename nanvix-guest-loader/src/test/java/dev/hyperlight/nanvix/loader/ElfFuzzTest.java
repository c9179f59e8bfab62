package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ELF loader under hostile files: whatever the bytes, the parser either accepts them with all
 * its promises kept or throws {@link ElfFormatException}, never anything else, and the guest image
 * is either written whole inside guest RAM or not at all ({@link GuestImage}: "a rejected request
 * leaves RAM as it was").
 *
 * <p>Two kinds of test: seeded random mutations of valid files ({@code @Test}, a fixed set every
 * build), and coverage-guided fuzz targets ({@code @FuzzTest}: Jazzer; in a normal build they run
 * the corpus in {@code src/test/resources/.../ElfFuzzTestInputs/}, {@code benchmarks/fuzz-host}
 * fuzzes them).
 */
class ElfFuzzTest {

    private static final ElfLimits LIMITS = ElfLimits.forProgram(64L << 20);
    /** The smallest guest: the program's checks against memory size bite soonest. */
    private static final long MEMORY = GuestLayout.MIN_MEMORY_SIZE;
    private static final int GUARD = 4096;
    private static final byte GARBAGE = (byte) 0xcc;
    private static final long[] INTERESTING = {
        0, 1, -1, 0x1000, 0xfff, 0x40_0000, 0x401000, 0x7f_ffff_ffffL, GuestAbi.USER_TOP,
        GuestAbi.USER_TOP - 1, Long.MAX_VALUE, Long.MIN_VALUE, 0xffff_ffff_ffff_f000L, 56, 64,
        0xffff, 0x10_0000, 0x3000, 0x2ff0,
    };

    @TempDir
    Path directory;

    @Test
    void syntheticFilesNeverEscapeTheParser() {
        byte[] path = "/lib64/ld-linux-x86-64.so.2\0".getBytes(StandardCharsets.UTF_8);
        byte[][] seeds = {
            ElfBuilder.staticExecutable().build(),
            ElfBuilder.staticExecutable().interpreter(path).build(),
            ElfBuilder.staticPie().build(),
        };
        Random random = new Random(0x5eed);
        int accepted = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] seed = seeds[i % seeds.length];
            accepted += check(mutate(seed, random, 64 + 4 * 56), i) ? 1 : 0;
        }
        // Both paths must be exercised, or the mutations say nothing about the checks.
        assertThat(accepted).isBetween(1_000, 29_000);
    }

    @Test
    void realFilesNeverEscapeTheParser() throws Exception {
        byte[] seed = GccPrograms.hello(directory, "hello-static-pie", "-static-pie");
        Random random = new Random(0xe1f);
        int accepted = 0;
        for (int i = 0; i < 400; i++) {
            accepted += check(mutate(seed, random, 64 + 12 * 56), i) ? 1 : 0;
        }
        assertThat(accepted).isBetween(10, 390);
    }

    private static Arena arena;
    /** Guest RAM with a guard page on each side, all GARBAGE between runs. */
    private static MemorySegment whole;
    private static MemorySegment ram;
    private static MemorySegment garbage;

    @BeforeAll
    static void allocateRam() {
        arena = Arena.ofShared();
        whole = arena.allocate(GUARD + MEMORY + GUARD, 4096).fill(GARBAGE);
        ram = whole.asSlice(GUARD, MEMORY);
        garbage = arena.allocate(whole.byteSize()).fill(GARBAGE);
    }

    @AfterAll
    static void freeRam() {
        arena.close();
    }

    /** The seeds of the byte[] targets: valid files of each kind the loader takes. */
    static Stream<byte[]> validPrograms() {
        byte[] path = "/lib64/ld-linux-x86-64.so.2\0".getBytes(StandardCharsets.UTF_8);
        return Stream.of(ElfBuilder.staticExecutable().build(), ElfBuilder.staticExecutable().interpreter(path).build(),
                ElfBuilder.staticPie().build());
    }

    static Stream<byte[]> validKernels() {
        return Stream.of(ElfBuilder.kernel().build());
    }

    @MethodSource("validPrograms")
    @FuzzTest
    void programFilesParseWithTheirPromisesKeptAndLoadWholeOrNotAtAll(byte[] program) {
        check(program, "fuzzer input");
        writeImage(request(program).build());
    }

    @MethodSource("validKernels")
    @FuzzTest
    void kernelImagesParseOrAreRefused(byte[] kernel) {
        try {
            KernelImage image = KernelImage.parse(MemorySegment.ofArray(kernel), MEMORY);
            assertThat(image.start()).isBetween(GuestAbi.KERNEL_IMAGE_GPA, image.end() - GuestAbi.PAGE_SIZE);
            assertThat(image.end()).isLessThanOrEqualTo(MEMORY);
        } catch (KernelImageException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        }
        writeImage(BootRequest.builder().kernelElf(kernel).programElf(ElfBuilder.staticExecutable().build())
                .execPath("/bin/p").random(new byte[BootInfo.RANDOM_SIZE]).build());
    }

    /** What the guest's execve passes on: the path, argv and envp strings, any text without NUL. */
    @FuzzTest
    void bootStringsFitOrAreRefused(FuzzedDataProvider data) {
        BootRequest.Builder request = request(ElfBuilder.staticPie().build())
                .stackSize(data.pickValue(List.of(BootRequest.DEFAULT_STACK_SIZE, 4096L, 64L << 10)))
                .execPath(data.consumeString(64));
        int argc = data.consumeInt(0, 40);
        List<String> argv = Stream.generate(() -> data.consumeString(200)).limit(argc).toList();
        List<String> envp = Stream.generate(() -> data.consumeString(200)).limit(data.consumeInt(0, 40)).toList();
        writeImage(request.argv(argv).envp(envp).build());
    }

    private static BootRequest.Builder request(byte[] program) {
        return BootRequest.builder().kernelElf(ElfBuilder.kernel().build()).programElf(program).execPath("/bin/p")
                .argv(List.of("p", "arg")).envp(List.of("PATH=/bin")).random(new byte[BootInfo.RANDOM_SIZE]);
    }

    /**
     * Writes the image: accepted, it lies in RAM with a valid boot state; refused, with a one-line
     * message, no byte of RAM changed. Either way the guard pages are untouched.
     */
    private static void writeImage(BootRequest request) {
        try {
            BootState state = GuestImage.write(ram, request);
            assertThat(state.layout()).isNotNull();
            assertThat(whole.asSlice(0, GUARD).mismatch(garbage.asSlice(0, GUARD))).isEqualTo(-1L);
            assertThat(whole.asSlice(GUARD + MEMORY, GUARD).mismatch(garbage.asSlice(0, GUARD))).isEqualTo(-1L);
            ram.fill(GARBAGE);
        } catch (GuestImageException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
            assertThat(whole.mismatch(garbage)).as("first byte written by a refused image").isEqualTo(-1L);
        }
    }

    /** Returns whether the parser accepted the bytes. */
    private static boolean check(byte[] bytes, Object iteration) {
        ElfFile elf;
        try {
            elf = ElfFile.parse(bytes, LIMITS);
        } catch (ElfFormatException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
            return false;
        } catch (RuntimeException e) {
            throw new AssertionError("mutation " + iteration + " escaped the parser", e);
        }
        assertThat(elf.loadSize()).isBetween(1L, LIMITS.memoryLimit());
        for (ProgramHeader segment : elf.loadSegments()) {
            long size = elf.segmentContents(segment).byteSize();
            if (size > 0) {
                elf.segmentContents(segment).get(ValueLayout.JAVA_BYTE, size - 1);
            }
            if (Long.compareUnsigned(segment.endAddress(), GuestAbi.USER_TOP) > 0) {
                fail("mutation " + iteration + " accepted a segment above USER_TOP: " + segment);
            }
        }
        return true;
    }

    /** One to four of: a random byte, an interesting u64 or u16 in the headers, a truncation. */
    private static byte[] mutate(byte[] seed, Random random, int headerBytes) {
        byte[] bytes = seed;
        boolean copied = false;
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            int choice = random.nextInt(10);
            if (choice == 9) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                copied = true;
                continue;
            }
            if (!copied) {
                bytes = bytes.clone();
                copied = true;
            }
            int range = Math.min(bytes.length, choice < 7 ? headerBytes : bytes.length);
            if (range < 8) {
                continue;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (choice < 3) {
                bytes[random.nextInt(range)] = (byte) random.nextInt(256);
            } else if (choice < 6) {
                long value = INTERESTING[random.nextInt(INTERESTING.length)] + random.nextInt(3) - 1;
                buffer.putLong(random.nextInt(range / 8) * 8, value);
            } else if (choice < 8) {
                buffer.putShort(random.nextInt(Math.min(range, 64) / 2) * 2, (short) random.nextInt(0x10000));
            } else {
                bytes[random.nextInt(range)] ^= (byte) (1 << random.nextInt(8));
            }
        }
        return bytes;
    }
}
