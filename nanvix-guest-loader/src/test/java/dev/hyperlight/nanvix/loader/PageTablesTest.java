package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Walks the written tables the way the MMU does and checks what each address translates to. */
class PageTablesTest {

    private static final long MIB = 1L << 20;
    private static final ValueLayout.OfLong ENTRY =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The result of a successful walk: the GPA and the rights granted at every level. */
    record Translation(long gpa, boolean writable, boolean user, boolean largePage) {}

    /** A 4-level walk from CR3; only the low 1 MiB of RAM is needed to hold the tables. */
    static Optional<Translation> translate(MemorySegment ram, long cr3, long address) {
        if ((address >> 47) != 0 && (address >> 47) != -1) {
            return Optional.empty(); // not canonical
        }
        long table = cr3 & PageTables.ADDRESS_MASK;
        boolean writable = true;
        boolean user = true;
        for (int level = 4; level >= 1; level--) {
            int index = (int) (address >>> (12 + 9 * (level - 1))) & 511;
            long entry = ram.get(ENTRY, table + index * 8L);
            if ((entry & PageTables.PRESENT) == 0) {
                return Optional.empty();
            }
            writable &= (entry & PageTables.WRITABLE) != 0;
            user &= (entry & PageTables.USER) != 0;
            if (level == 2 && (entry & PageTables.PAGE_SIZE_BIT) != 0) {
                long offset = address & (GuestAbi.LARGE_PAGE_SIZE - 1);
                return Optional.of(new Translation(
                        (entry & PageTables.ADDRESS_MASK & -GuestAbi.LARGE_PAGE_SIZE) + offset,
                        writable, user, true));
            }
            table = entry & PageTables.ADDRESS_MASK;
            if (level == 1) {
                return Optional.of(new Translation(table + (address & 0xfff), writable, user, false));
            }
        }
        throw new AssertionError("unreachable");
    }

    private static MemorySegment tablesFor(long memorySize, Arena arena) throws Exception {
        GuestLayout layout = GuestLayout.plan(memorySize, 0x20_0000, 0x30_0000, 1, 1, MIB);
        // The tables live below 1 MiB, so a 1 MiB segment stands in for RAM of any size.
        MemorySegment ram = arena.allocate(MIB);
        ram.fill((byte) 0x5a); // stale contents must not survive as entries
        assertThat(PageTables.write(ram, layout)).isEqualTo(GuestAbi.PML4_GPA);
        return ram;
    }

    @Test
    void mapsAllRamAtKernelBaseWithWritableSupervisorLargePages() throws Exception {
        long memorySize = 64 * MIB;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = tablesFor(memorySize, arena);

            for (long gpa : new long[] {0, 0x1000, 0x1234, 0x20_0000, 0x123_4567, memorySize - 1}) {
                assertThat(translate(ram, GuestAbi.PML4_GPA, GuestAbi.kva(gpa)))
                        .contains(new Translation(gpa, true, false, true));
            }
        }
    }

    @Test
    void mapsNothingElse() throws Exception {
        long memorySize = 64 * MIB;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = tablesFor(memorySize, arena);

            for (long address : new long[] {0, 0x1000, 0x40_0000, GuestAbi.USER_TOP - 1,
                    GuestAbi.KERNEL_BASE - 1, GuestAbi.kva(memorySize), GuestAbi.kva(1L << 30),
                    GuestAbi.KERNEL_BASE + (1L << 39), 0xffff_8000_0000_0000L, -4096}) {
                assertThat(translate(ram, GuestAbi.PML4_GPA, address))
                        .as("address 0x%x", address).isEmpty();
            }
            long presentPml4 = 0;
            for (int i = 0; i < 512; i++) {
                presentPml4 += ram.get(ENTRY, GuestAbi.PML4_GPA + i * 8L) & PageTables.PRESENT;
            }
            assertThat(presentPml4).isEqualTo(1);
        }
    }

    @Test
    void spansSeveralPageDirectoriesForMoreThanOneGib() throws Exception {
        long memorySize = 3L * (1L << 30) + 4 * MIB;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = tablesFor(memorySize, arena);

            for (long gpa : new long[] {(1L << 30) - 1, 1L << 30, 0x8765_4321L, 3L << 30,
                    memorySize - 1}) {
                assertThat(translate(ram, GuestAbi.PML4_GPA, GuestAbi.kva(gpa)))
                        .contains(new Translation(gpa, true, false, true));
            }
            assertThat(translate(ram, GuestAbi.PML4_GPA, GuestAbi.kva(memorySize))).isEmpty();
            assertThat(translate(ram, GuestAbi.PML4_GPA, GuestAbi.kva(4L << 30))).isEmpty();
        }
    }

    @Test
    void presetsAccessedAndDirtySoTheCpuNeverWritesTheTables() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = tablesFor(16 * MIB, arena);

            long pml4e = ram.get(ENTRY, GuestAbi.PML4_GPA + PageTables.KERNEL_PML4_SLOT * 8L);
            long pdpte = ram.get(ENTRY, GuestAbi.PDPT_GPA);
            long pde = ram.get(ENTRY, GuestAbi.PAGE_DIRECTORIES_GPA + 8);
            assertThat(pml4e).isEqualTo(GuestAbi.PDPT_GPA | 0x23);
            assertThat(pdpte).isEqualTo(GuestAbi.PAGE_DIRECTORIES_GPA | 0x23);
            assertThat(pde).isEqualTo(0x20_0000 | 0xe3);
        }
    }

    @Test
    void usesPml4Slot255() {
        assertThat(PageTables.KERNEL_PML4_SLOT).isEqualTo(255);
    }
}
