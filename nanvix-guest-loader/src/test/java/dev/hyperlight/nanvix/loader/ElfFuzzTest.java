package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random mutations of valid ELF files: whatever the bytes, the parser either accepts them with
 * all its promises kept or throws {@link ElfFormatException}, never anything else.
 */
class ElfFuzzTest {

    private static final ElfLimits LIMITS = ElfLimits.forProgram(64L << 20);
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

    /** Returns whether the parser accepted the bytes. */
    private static boolean check(byte[] bytes, int iteration) {
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
