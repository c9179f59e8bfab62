package dev.hyperlight.nanvix.memory;

import static dev.hyperlight.nanvix.memory.TestPageTables.LARGE;
import static dev.hyperlight.nanvix.memory.TestPageTables.PAGE;
import static dev.hyperlight.nanvix.memory.TestPageTables.USER_RO;
import static dev.hyperlight.nanvix.memory.TestPageTables.USER_RW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UserMemoryTest {

    /** 8 MiB of RAM: tables in the first 1 MiB, 4 KiB frames above, 2 MiB frames at 2, 4 and 6 MiB. */
    private final TestPageTables tables = new TestPageTables(8L << 20, 1L << 20);
    private final UserMemory user = new UserMemory(tables.memory, new PageTableWalker(tables.memory), tables.root);
    private static final long FRAME_A = 0x10_0000;
    private static final long FRAME_B = 0x15_0000;
    private static final long VA = 0x40_0000;

    @AfterEach
    void free() {
        tables.close();
    }

    private void fill(long gpa, long length, int value) {
        tables.ram.asSlice(gpa, length).fill((byte) value);
    }

    private byte ramByte(long gpa) {
        return tables.ram.get(ValueLayout.JAVA_BYTE, gpa);
    }

    @Test
    void aWriteAcrossTwoScatteredPagesReachesBothAtCommitAndKeepsUnwrittenBytes() {
        tables.map4k(VA, FRAME_A, USER_RW);
        tables.map4k(VA + PAGE, FRAME_B, USER_RW);
        fill(FRAME_A, PAGE, 'a');
        fill(FRAME_B, PAGE, 'b');

        MemorySegment view = user.writable(VA + PAGE - 4, 8);
        view.set(ValueLayout.JAVA_BYTE, 1, (byte) 'X');
        view.set(ValueLayout.JAVA_BYTE, 6, (byte) 'Y');
        assertThat(ramByte(FRAME_A + PAGE - 3)).as("staged until commit").isEqualTo((byte) 'a');
        user.commit();

        assertThat(ramByte(FRAME_A + PAGE - 4)).isEqualTo((byte) 'a');
        assertThat(ramByte(FRAME_A + PAGE - 3)).isEqualTo((byte) 'X');
        assertThat(ramByte(FRAME_B + 2)).isEqualTo((byte) 'Y');
        assertThat(ramByte(FRAME_B + 3)).isEqualTo((byte) 'b');
    }

    @Test
    void aRangeInOnePieceIsAViewOfTheFrameItself() {
        tables.map4k(VA, FRAME_A, USER_RW);
        user.writable(VA + 16, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x01020304);
        assertThat(tables.ram.get(ValueLayout.JAVA_INT_UNALIGNED, FRAME_A + 16)).isEqualTo(0x01020304);
    }

    @Test
    void aReadGathersScatteredPagesAndIsReadOnly() {
        tables.map4k(VA, FRAME_A, USER_RO);
        tables.map4k(VA + PAGE, FRAME_B, USER_RO);
        fill(FRAME_A, PAGE, 'a');
        fill(FRAME_B, PAGE, 'b');
        MemorySegment view = user.readable(VA + PAGE - 2, 4);
        assertThat(new String(view.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)).isEqualTo("aabb");
        assertThat(view.isReadOnly()).isTrue();
        assertThat(user.readable(VA, 4).isReadOnly()).isTrue();
    }

    @Test
    void aWriteToAReadOnlyPageFaultsBeforeAnyByteIsWritten() {
        tables.map4k(VA, FRAME_A, USER_RW);
        tables.map4k(VA + PAGE, FRAME_B, USER_RO);
        fill(FRAME_A, PAGE, 'a');
        assertThatThrownBy(() -> user.writable(VA + PAGE - 8, 16)).isInstanceOfSatisfying(UserPageFault.class, f -> {
            assertThat(f.address()).isEqualTo(VA + PAGE);
            assertThat(f.length()).isEqualTo(8);
            assertThat(f.write()).isTrue();
        });
        user.commit();
        assertThat(ramByte(FRAME_A + PAGE - 8)).isEqualTo((byte) 'a');
    }

    @Test
    void anUnmappedPageNamesTheRestOfTheRange() {
        tables.map4k(VA, FRAME_A, USER_RW);
        assertThatThrownBy(() -> user.readable(VA + 100, 2 * PAGE)).isInstanceOfSatisfying(UserPageFault.class, f -> {
            assertThat(f.address()).isEqualTo(VA + PAGE);
            assertThat(f.length()).isEqualTo(2 * PAGE - (PAGE - 100));
            assertThat(f.write()).isFalse();
        });
    }

    @Test
    void theKernelHalfAndNonCanonicalAddressesFault() {
        assertThatThrownBy(() -> user.readable(0x0000_7f80_0000_0000L, 8)).isInstanceOf(UserPageFault.class);
        assertThatThrownBy(() -> user.readable(-4096, 8)).isInstanceOf(UserPageFault.class);
        assertThatThrownBy(() -> user.writable(PageTableWalker.USER_HALF_END - 4, 8)).isInstanceOf(UserPageFault.class);
    }

    @Test
    void aBufferLargerThanALargePageSpansLargeAndSmallPages() {
        tables.map2m(VA - LARGE, LARGE, USER_RW);
        tables.map2m(VA, 3 * LARGE, USER_RW);
        tables.map4k(VA + LARGE, FRAME_A, USER_RW);
        long length = 2 * LARGE + 10;
        MemorySegment view = user.writable(VA - LARGE, length);
        view.fill((byte) 7);
        user.commit();
        assertThat(ramByte(LARGE)).isEqualTo((byte) 7);
        assertThat(ramByte(3 * LARGE + LARGE - 1)).isEqualTo((byte) 7);
        assertThat(ramByte(FRAME_A + 9)).isEqualTo((byte) 7);
        assertThat(ramByte(FRAME_A + 10)).isEqualTo((byte) 0);
    }

    @Test
    void aStringMayEndJustBeforeAnUnmappedPageButNotRunIntoIt() {
        tables.map4k(VA, FRAME_A, USER_RO);
        tables.ram.asSlice(FRAME_A + PAGE - 4, 4).copyFrom(MemorySegment.ofArray("abc\0".getBytes(StandardCharsets.US_ASCII)));
        assertThat(user.readCString(VA + PAGE - 4, 4095)).isEqualTo("abc");
        fill(FRAME_A + PAGE - 4, 4, 'x');
        assertThatThrownBy(() -> user.readCBytes(VA + PAGE - 4, 4095)).isInstanceOfSatisfying(UserPageFault.class,
                f -> assertThat(f.address()).isEqualTo(VA + PAGE));
    }

    @Test
    void aStringWithoutNulWithinTheLimitIsTooLong() {
        tables.map4k(VA, FRAME_A, USER_RO);
        tables.map4k(VA + PAGE, FRAME_B, USER_RO);
        fill(FRAME_A, PAGE, 'a');
        fill(FRAME_B, PAGE, 'b');
        assertThatThrownBy(() -> user.readCBytes(VA + 10, 4095)).isInstanceOf(GuestStringTooLongException.class);
    }

    @Test
    void emptyRangesNeedNoPage() {
        assertThat(user.readable(VA, 0).byteSize()).isZero();
        assertThat(user.writable(0, 0).byteSize()).isZero();
        user.check(VA, 0, true);
    }
}
