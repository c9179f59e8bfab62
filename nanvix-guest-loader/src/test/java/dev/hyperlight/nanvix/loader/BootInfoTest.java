package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BootInfoTest {

    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static byte[] randomBytes() {
        byte[] bytes = new byte[32];
        IntStream.range(0, 32).forEach(i -> bytes[i] = (byte) (0xa0 + i));
        return bytes;
    }

    private static BootInfo sample() throws Exception {
        GuestLayout layout = GuestLayout.plan(64L << 20, 0x20_0000, 0x26_3000, 900_000, 25, 0x8_0000);
        StringsBlock strings = StringsBlock.encode("/bin/hello", List.of("hello", "-v"), List.of("A=1"));
        return BootInfo.of(layout, strings, 1_700_000_000_123_456_789L, 2_500_000, randomBytes(), 8L << 20,
                BootInfo.FLAG_START_MESSAGE, new long[] {0x1234_5678_9abc_def0L, 0, 0, 0, 0, 0, 0, -1L});
    }

    @Test
    void writesEveryFieldAtItsDocumentedOffset() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(0x10_0000);
            ram.fill((byte) 0xee);
            sample().writeTo(ram);

            MemorySegment block = ram.asSlice(0x1000, 0x1000);
            assertThat(block.get(U64, 0)).isEqualTo(0x3154_4f4f_4258_564eL);
            assertThat(new String(block.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo("NVXBOOT1");
            assertThat(block.get(U64, 8)).isEqualTo(AbiVersion.CURRENT);
            assertThat(block.get(U64, 16)).isEqualTo(0x7f80_0000_0000L);
            assertThat(block.get(U64, 24)).isEqualTo(64L << 20);
            assertThat(block.get(U64, 32)).isEqualTo(0x4d_d000);
            assertThat(block.get(U64, 40)).isEqualTo(64L << 20);
            assertThat(block.get(U64, 48)).isEqualTo(0x2000);
            assertThat(block.get(U64, 56)).isEqualTo(0x10_0000);
            assertThat(block.get(U64, 64)).isEqualTo(0x8_0000);
            assertThat(block.get(U64, 72)).isEqualTo(0x40_0000);
            assertThat(block.get(U64, 80)).isEqualTo(900_000);
            assertThat(block.get(U64, 88)).isEqualTo(0x4d_c000);
            assertThat(block.get(U64, 96)).isEqualTo(25);
            assertThat(block.get(U64, 104)).isEqualTo(2);
            assertThat(block.get(U64, 112)).isEqualTo(1);
            assertThat(block.get(U64, 120)).isEqualTo(1_700_000_000_123_456_789L);
            assertThat(block.get(U64, 128)).isEqualTo(2_500_000);
            assertThat(block.asSlice(136, 32).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(randomBytes());
            assertThat(block.get(U64, 168)).isEqualTo(8L << 20);
            assertThat(block.get(U64, 176)).isEqualTo(1);
            assertThat(block.get(U64, 184)).isEqualTo(0x1234_5678_9abc_def0L);
            assertThat(block.get(U64, 240)).isEqualTo(-1L);
            assertThat(block.asSlice(BootInfo.SIZE, 0x1000 - BootInfo.SIZE).toArray(ValueLayout.JAVA_BYTE))
                    .containsOnly(0);
            assertThat(ram.get(ValueLayout.JAVA_BYTE, 0xfff)).isEqualTo((byte) 0xee);
            assertThat(ram.get(ValueLayout.JAVA_BYTE, 0x2000)).isEqualTo((byte) 0xee);
        }
    }

    @Test
    void readsBackWhatItWrote() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(0x10_0000);
            BootInfo written = sample();
            written.writeTo(ram);

            assertThat(BootInfo.readFrom(ram)).isEqualTo(written);
        }
    }

    @Test
    void keepsTheRandomSeedOutOfItsTextAndAwayFromCallers() throws Exception {
        BootInfo info = sample();

        assertThat(info.toString()).doesNotContain("a0a1").doesNotContain("random");
        info.random()[0] = 0;
        assertThat(info.random()[0]).isEqualTo((byte) 0xa0);
    }

    @Test
    void requiresExactly32RandomBytes() throws Exception {
        GuestLayout layout = GuestLayout.plan(64L << 20, 0x20_0000, 0x26_3000, 1, 1, 0x1000);
        StringsBlock strings = StringsBlock.encode("/x", List.of(), List.of());

        assertThatThrownBy(() -> BootInfo.of(layout, strings, 0, 0, new byte[16], 4096, 0, new long[8]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
