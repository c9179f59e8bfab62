package dev.hyperlight.nanvix.memory;

import static dev.hyperlight.nanvix.memory.TestPageTables.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hyperlight.nanvix.memory.PageTableWalker.Access;
import dev.hyperlight.nanvix.memory.UserTranslation.Mapped;

/**
 * Coverage-guided fuzzing of the page-table walker: the fuzzer writes any entries into the
 * first pages of a small guest RAM (the tables), picks the root, the address, the length and
 * the access. The contract, for any input: pieces inside guest RAM adding up to the range, or a
 * fault at or after the range's start and inside it; never an exception; a range that may be
 * written may be read, to the same pieces.
 */
class PageTableWalkerFuzzTest {

    private static final int TABLE_PAGES = 8;

    @FuzzTest
    void translationsNameOnlyGuestRam(FuzzedDataProvider data) {
        long ramSize = data.pickValue(new long[] {TABLE_PAGES * PAGE, 32 * PAGE, 32 * PAGE + 8, 2 * PAGE});
        try (TestPageTables tables = new TestPageTables(ramSize, ramSize)) {
            long cr3 = data.consumeBoolean() ? data.consumeLong(0, TABLE_PAGES + 1) * PAGE : data.consumeLong();
            long address = data.consumeLong();
            long length = data.consumeBoolean() ? data.consumeLong(0, 64 * PAGE) : data.consumeLong();
            Access access = data.consumeBoolean() ? Access.WRITE : Access.READ;
            while (data.remainingBytes() >= 12) {
                long table = data.consumeLong(0, TABLE_PAGES - 1) * PAGE;
                int slot = data.consumeInt(0, 511);
                long entry = data.consumeLong();
                if (table + PAGE <= ramSize) {
                    tables.setEntry(table, slot, entry);
                }
            }
            PageTableWalker walker = new PageTableWalker(tables.memory);
            UserTranslation translation = walker.translate(cr3, address, length, access);
            PageTableWalkerProperties.checkContract(tables.memory, address, length, translation);
            if (access == Access.WRITE && translation instanceof Mapped) {
                assertThat(walker.translate(cr3, address, length, Access.READ)).isEqualTo(translation);
            }
        }
    }
}
