package dev.hyperlight.nanvix.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {

    private static final int RAM = 4096;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ram = arena.allocate(RAM);
    private final GuestMemory memory = GuestMemory.of(ram);

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private void put(long gpa, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, gpa, bytes.length);
    }

    @Test
    void rangeInsideRamIsTheSameMemory() {
        memory.range(100, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122334455667788L);
        assertThat(ram.get(ValueLayout.JAVA_LONG_UNALIGNED, 100)).isEqualTo(0x1122334455667788L);
        assertThat(memory.range(RAM - 1, 1).byteSize()).isEqualTo(1);
        assertThat(memory.range(RAM, 0).byteSize()).isZero();
    }

    @Test
    void rangesLeavingRamAreRefused() {
        assertThatThrownBy(() -> memory.range(RAM - 4, 8)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.range(-1, 1)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.range(0, -1)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.range(RAM + 1, 0)).isInstanceOf(BadGuestAddressException.class);
    }

    @Test
    void rangesThatOverflowAreRefused() {
        assertThatThrownBy(() -> memory.range(Long.MAX_VALUE, 2)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.range(16, Long.MAX_VALUE)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.range(0xffff_ffff_ffff_f000L, 0x2000))
                .isInstanceOf(BadGuestAddressException.class);
    }

    @Test
    void readsAStringUpToItsNul() {
        put(64, "hello\0world");
        assertThat(memory.readCString(64, 100)).isEqualTo("hello");
        assertThat(memory.readCString(69, 100)).isEmpty();
    }

    @Test
    void maxLengthCountsBytesBeforeTheNul() {
        put(0, "abcd\0");
        assertThat(memory.readCString(0, 4)).isEqualTo("abcd");
        assertThatThrownBy(() -> memory.readCString(0, 3)).isInstanceOf(GuestStringTooLongException.class);
    }

    @Test
    void missingNulWithinTheLimitIsTooLong() {
        put(0, "x".repeat(200));
        assertThatThrownBy(() -> memory.readCString(0, 100)).isInstanceOf(GuestStringTooLongException.class);
    }

    @Test
    void stringEndingAtTheLastByteOfRamIsRead() {
        put(RAM - 3, "ok\0");
        assertThat(memory.readCString(RAM - 3, 4095)).isEqualTo("ok");
    }

    @Test
    void stringRunningOffTheEndOfRamIsAFault() {
        put(RAM - 3, "abc");
        assertThatThrownBy(() -> memory.readCString(RAM - 3, 4095)).isInstanceOf(BadGuestAddressException.class);
    }

    @Test
    void stringOutsideRamIsAFault() {
        assertThatThrownBy(() -> memory.readCString(RAM, 10)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.readCString(-5, 10)).isInstanceOf(BadGuestAddressException.class);
        assertThatThrownBy(() -> memory.readCString(Long.MAX_VALUE, Integer.MAX_VALUE))
                .isInstanceOf(BadGuestAddressException.class);
    }

    @Test
    void hugeLimitDoesNotOverflow() {
        put(10, "fine\0");
        assertThat(memory.readCString(10, Integer.MAX_VALUE)).isEqualTo("fine");
    }

    @Test
    void rawBytesAreKeptAndStringsDecodeAsUtf8() {
        ram.set(ValueLayout.JAVA_BYTE, 0, (byte) 0xff);
        ram.set(ValueLayout.JAVA_BYTE, 1, (byte) 0);
        assertThat(memory.readCBytes(0, 10)).containsExactly((byte) 0xff);
        assertThat(memory.readCString(0, 10)).isEqualTo("\uFFFD");
        put(16, "h\u00e9\0");
        assertThat(memory.readCString(16, 10)).isEqualTo("h\u00e9");
    }

    @Test
    void negativeLimitIsAHostBug() {
        assertThatThrownBy(() -> memory.readCString(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
