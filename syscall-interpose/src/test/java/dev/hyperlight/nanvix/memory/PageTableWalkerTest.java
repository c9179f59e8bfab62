package dev.hyperlight.nanvix.memory;

import static dev.hyperlight.nanvix.memory.TestPageTables.HUGE;
import static dev.hyperlight.nanvix.memory.TestPageTables.LARGE;
import static dev.hyperlight.nanvix.memory.TestPageTables.P;
import static dev.hyperlight.nanvix.memory.TestPageTables.PAGE;
import static dev.hyperlight.nanvix.memory.TestPageTables.PROT_NONE;
import static dev.hyperlight.nanvix.memory.TestPageTables.PS;
import static dev.hyperlight.nanvix.memory.TestPageTables.TABLE_FLAGS;
import static dev.hyperlight.nanvix.memory.TestPageTables.U;
import static dev.hyperlight.nanvix.memory.TestPageTables.USER_RO;
import static dev.hyperlight.nanvix.memory.TestPageTables.USER_RW;
import static dev.hyperlight.nanvix.memory.TestPageTables.W;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.memory.PageTableWalker.Access;
import dev.hyperlight.nanvix.memory.UserTranslation.Fault;
import dev.hyperlight.nanvix.memory.UserTranslation.Mapped;
import dev.hyperlight.nanvix.memory.UserTranslation.Piece;
import dev.hyperlight.nanvix.memory.UserTranslation.Reason;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PageTableWalkerTest {

    /** 8 MiB of RAM: tables in the first 1 MiB, 4 KiB frames above, 2 MiB frames at 2, 4 and 6 MiB. */
    private final TestPageTables tables = new TestPageTables(8L << 20, 1L << 20);
    private final PageTableWalker walker = new PageTableWalker(tables.memory);
    private static final long FRAME_A = 0x10_0000;
    private static final long FRAME_B = 0x15_0000;
    private static final long VA = 0x40_0000;

    @AfterEach
    void free() {
        tables.close();
    }

    private UserTranslation read(long address, long length) {
        return walker.translate(tables.root, address, length, Access.READ);
    }

    private UserTranslation write(long address, long length) {
        return walker.translate(tables.root, address, length, Access.WRITE);
    }

    private static Mapped mapped(long... gpaLengthPairs) {
        Piece[] pieces = new Piece[gpaLengthPairs.length / 2];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = new Piece(gpaLengthPairs[2 * i], gpaLengthPairs[2 * i + 1]);
        }
        return new Mapped(List.of(pieces));
    }

    @Test
    void aRangeAcrossTwoPagesIsTwoPiecesOrOneWhenTheFramesAreAdjacent() {
        tables.map4k(VA, FRAME_A, USER_RW);
        tables.map4k(VA + PAGE, FRAME_B, USER_RW);
        tables.map4k(VA + 2 * PAGE, FRAME_B + PAGE, USER_RW);
        assertThat(read(VA + 0xff0, 32)).isEqualTo(mapped(FRAME_A + 0xff0, 16, FRAME_B, 16));
        assertThat(write(VA + PAGE + 8, PAGE)).isEqualTo(mapped(FRAME_B + 8, PAGE));
        assertThat(read(VA + 0x123, 1)).isEqualTo(mapped(FRAME_A + 0x123, 1));
    }

    @Test
    void theFaultNamesTheFirstByteThatCannotBeAccessed() {
        tables.map4k(VA, FRAME_A, USER_RW);
        tables.map4k(VA + PAGE, FRAME_B, USER_RO);
        assertThat(read(VA + 0xf00, 2 * PAGE)).isEqualTo(new Fault(VA + 2 * PAGE, Reason.NOT_PRESENT));
        assertThat(write(VA + 0xf00, 0x200)).isEqualTo(new Fault(VA + PAGE, Reason.READ_ONLY));
        assertThat(read(VA + 0xf00, 0x200)).isInstanceOf(Mapped.class);
    }

    @Test
    void anEmptyRangeIsMappedWhateverItsAddress() {
        for (long address : new long[] {0, -1, Long.MIN_VALUE, PageTableWalker.USER_HALF_END, VA}) {
            assertThat(read(address, 0)).isEqualTo(mapped());
        }
    }

    @Test
    void aWriteMarksTheLeavesItGoesThroughDirtyAsTheProcessorDoesAndAReadDoesNot() {
        tables.map4k(VA, FRAME_A, USER_RW);
        tables.map4k(VA + PAGE, FRAME_B, USER_RW);
        tables.map2m(0x4000_0000L, 2 * LARGE, USER_RW);
        long pt = tables.tableAt(VA, 0);
        long pd = tables.tableAt(0x4000_0000L, 1);
        assertThat(read(VA, 2 * PAGE)).isInstanceOf(Mapped.class);
        assertThat(tables.entry(pt, 0) & PageTableWalker.DIRTY).isZero();
        assertThat(write(VA + PAGE - 1, 2)).isEqualTo(mapped(FRAME_A + PAGE - 1, 1, FRAME_B, 1));
        assertThat(tables.entry(pt, 0)).isEqualTo(FRAME_A | USER_RW | PageTableWalker.DIRTY);
        assertThat(tables.entry(pt, 1)).isEqualTo(FRAME_B | USER_RW | PageTableWalker.DIRTY);
        assertThat(tables.entry(tables.tableAt(VA, 1), 2) & PageTableWalker.DIRTY).as("tables above the leaf").isZero();
        assertThat(write(0x4000_0000L + 8, 8)).isEqualTo(mapped(2 * LARGE + 8, 8));
        assertThat(tables.entry(pd, 0)).isEqualTo(2 * LARGE | USER_RW | PS | PageTableWalker.DIRTY);
    }

    @Test
    void largePagesOfTwoMebibytes() {
        tables.map2m(0x4000_0000L, 2 * LARGE, USER_RW);
        assertThat(read(0x4000_0000L + 0x1f_f000, 0x1000)).isEqualTo(mapped(2 * LARGE + 0x1f_f000, 0x1000));
        assertThat(write(0x4000_0000L, LARGE)).isEqualTo(mapped(2 * LARGE, LARGE));
        assertThat(read(0x4000_0000L + LARGE - 8, 16)).isEqualTo(new Fault(0x4000_0000L + LARGE, Reason.NOT_PRESENT));
        // A second large page right after, on the next frame: one piece over both.
        tables.map2m(0x4000_0000L + LARGE, 3 * LARGE, USER_RW);
        assertThat(read(0x4000_0000L + LARGE - 8, 16)).isEqualTo(mapped(2 * LARGE + LARGE - 8, 16));
    }

    @Test
    void largePagesWithBitsBelowTheirAlignmentAreReservedExceptPat() {
        tables.map2m(0x4000_0000L, 2 * LARGE | 1L << 12, USER_RW);
        assertThat(read(0x4000_0000L, 8)).as("bit 12 is PAT").isEqualTo(mapped(2 * LARGE, 8));
        for (int bit = 13; bit < 21; bit++) {
            tables.map2m(0x4000_0000L, 2 * LARGE | 1L << bit, USER_RW);
            assertThat(read(0x4000_0000L, 8)).as("bit %d", bit).isEqualTo(new Fault(0x4000_0000L, Reason.RESERVED_BIT));
        }
    }

    @Test
    void pagesOfOneGibibyteAreCheckedAgainstRamPieceByPiece() {
        tables.map1g(HUGE, 0, USER_RW);
        assertThat(read(HUGE + 0x1_0000, 16)).isEqualTo(mapped(0x1_0000, 16));
        assertThat(read(HUGE + (8L << 20) - 8, 16)).isEqualTo(new Fault(HUGE + (8L << 20) - 8, Reason.FRAME_OUTSIDE_RAM));
        tables.map1g(HUGE, 1L << 20, USER_RW);
        assertThat(read(HUGE, 8)).as("bit 20 of a 1 GiB page").isEqualTo(new Fault(HUGE, Reason.RESERVED_BIT));
    }

    @Test
    void theLargePageBitIsReservedInAPml4EntryAndPatInAPageTableEntry() {
        tables.setEntry(tables.root, 0, 0 | TABLE_FLAGS | PS);
        assertThat(read(0x1000, 8)).isEqualTo(new Fault(0x1000, Reason.RESERVED_BIT));
        tables.setEntry(tables.root, 0, 0);
        tables.map4k(VA, FRAME_A, USER_RW | PS);
        assertThat(read(VA + 4, 4)).isEqualTo(mapped(FRAME_A + 4, 4));
    }

    @Test
    void theUserBitIsNeededAtEveryLevelAndTheWriteBitForWrites() {
        tables.map4k(VA, FRAME_A, USER_RW);
        long pml4e = tables.entry(tables.root, 0);
        long pdpt = pml4e & PageTableWalker.ADDRESS_MASK;
        long pdpte = tables.entry(pdpt, TestPageTables.index(VA, 2));
        long pd = pdpte & PageTableWalker.ADDRESS_MASK;
        long pde = tables.entry(pd, TestPageTables.index(VA, 1));
        long pt = pde & PageTableWalker.ADDRESS_MASK;
        long pte = tables.entry(pt, TestPageTables.index(VA, 0));
        long[][] levels = {{tables.root, 0, pml4e}, {pdpt, TestPageTables.index(VA, 2), pdpte},
            {pd, TestPageTables.index(VA, 1), pde}, {pt, TestPageTables.index(VA, 0), pte}};
        for (long[] level : levels) {
            tables.setEntry(level[0], level[1], level[2] & ~U);
            assertThat(read(VA, 8)).isEqualTo(new Fault(VA, Reason.SUPERVISOR_ONLY));
            tables.setEntry(level[0], level[1], level[2] & ~W);
            assertThat(write(VA, 8)).isEqualTo(new Fault(VA, Reason.READ_ONLY));
            assertThat(read(VA, 8)).isEqualTo(mapped(FRAME_A, 8));
            tables.setEntry(level[0], level[1], level[2] & ~P);
            assertThat(read(VA, 8)).isEqualTo(new Fault(VA, Reason.NOT_PRESENT));
            tables.setEntry(level[0], level[1], level[2]);
        }
        assertThat(write(VA, 8)).isEqualTo(mapped(FRAME_A, 8));
    }

    @Test
    void aProtNoneEntryIsNotPresent() {
        tables.map4k(VA, FRAME_A, PROT_NONE);
        assertThat(read(VA, 1)).isEqualTo(new Fault(VA, Reason.NOT_PRESENT));
        tables.map2m(0x4000_0000L, 2 * LARGE, PROT_NONE);
        assertThat(read(0x4000_0000L, 1)).isEqualTo(new Fault(0x4000_0000L, Reason.NOT_PRESENT));
    }

    @Test
    void tablesAndFramesOutsideRamFault() {
        tables.map4k(VA, (8L << 20), USER_RW);
        assertThat(read(VA, 1)).isEqualTo(new Fault(VA, Reason.FRAME_OUTSIDE_RAM));
        tables.map4k(VA, 1L << 51, USER_RW);
        assertThat(read(VA, 1)).as("an address bit above MAXPHYADDR").isEqualTo(new Fault(VA, Reason.FRAME_OUTSIDE_RAM));
        tables.setEntry(tables.root, 1, (64L << 20) | TABLE_FLAGS);
        assertThat(read(1L << 39, 1)).isEqualTo(new Fault(1L << 39, Reason.TABLE_OUTSIDE_RAM));
        assertThat(walker.translate(16L << 20, VA, 1, Access.READ)).isEqualTo(new Fault(VA, Reason.TABLE_OUTSIDE_RAM));
        assertThat(walker.translate(-1, VA, 1, Access.READ)).isEqualTo(new Fault(VA, Reason.TABLE_OUTSIDE_RAM));
    }

    @Test
    void aTablePointingToItselfIsReadAsTheProcessorReadsItAndEnds() {
        // PML4[0] points back at the PML4: at every level index 0 reaches the root again, so
        // page 0 of the address space is the root table itself (a recursive mapping).
        tables.setEntry(tables.root, 0, tables.root | TABLE_FLAGS);
        assertThat(read(0x10, 8)).isEqualTo(mapped(tables.root + 0x10, 8));
        // A page table pointing to its directory (an ancestor): that directory is the page.
        tables.map4k(VA, FRAME_A, USER_RW);
        long pd = tables.tableAt(VA, 1);
        long pt = tables.tableAt(VA, 0);
        tables.setEntry(pt, 1, pd | USER_RW);
        assertThat(read(VA + PAGE, 16)).isEqualTo(mapped(pd, 16));
        // The longest range over the cycle ends: at most four reads per page.
        assertThat(read(0, PageTableWalker.MAX_LENGTH)).isInstanceOf(Fault.class);
    }

    @Test
    void addressesOutsideTheUserHalfAndRangesThatLeaveItOrWrapFault() {
        long end = PageTableWalker.USER_HALF_END;
        tables.map4k(end - PAGE, FRAME_A, USER_RW);
        assertThat(read(end - 16, 16)).isEqualTo(mapped(FRAME_A + PAGE - 16, 16));
        assertThat(read(end - 16, 17)).isEqualTo(new Fault(end - 16, Reason.NOT_USER_HALF));
        assertThat(read(end, 1)).isEqualTo(new Fault(end, Reason.NOT_USER_HALF));
        assertThat(read(0xffff_8000_0000_0000L, 1)).isEqualTo(new Fault(0xffff_8000_0000_0000L, Reason.NOT_USER_HALF));
        assertThat(read(-16, 32)).isEqualTo(new Fault(-16, Reason.NOT_USER_HALF));
        assertThat(read(VA, -1)).isEqualTo(new Fault(VA, Reason.NOT_USER_HALF));
        assertThat(read(VA, Long.MAX_VALUE)).isEqualTo(new Fault(VA, Reason.NOT_USER_HALF));
        assertThat(read(VA, PageTableWalker.MAX_LENGTH + 1)).isEqualTo(new Fault(VA, Reason.TOO_LONG));
    }

    @Test
    void theKernelHalfAsTheHostMapsItIsNotTheProgramsToTouch() {
        // Slot 255 maps guest RAM for the kernel, without the user bit (loader's PageTables).
        long kernelBase = 0x0000_7f80_0000_0000L;
        long pdpt = tables.newTable();
        tables.setEntry(tables.root, 255, pdpt | P | W);
        long pd = tables.newTable();
        tables.setEntry(pdpt, 0, pd | P | W);
        tables.setEntry(pd, 0, 0 | P | W | PS);
        assertThat(read(kernelBase + 0x100, 8)).isEqualTo(new Fault(kernelBase + 0x100, Reason.SUPERVISOR_ONLY));
    }
}
