package dev.hyperlight.nanvix.memory;

import static dev.hyperlight.nanvix.memory.TestPageTables.PAGE;
import static dev.hyperlight.nanvix.memory.TestPageTables.USER_RO;
import static dev.hyperlight.nanvix.memory.TestPageTables.USER_RW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.memory.PageTableWalker.Access;
import dev.hyperlight.nanvix.memory.UserTranslation.Fault;
import dev.hyperlight.nanvix.memory.UserTranslation.Mapped;
import dev.hyperlight.nanvix.memory.UserTranslation.Piece;
import dev.hyperlight.nanvix.memory.UserTranslation.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The page-table walker against a model (tables built from a list of mappings translate as the
 * list says) and against hostile tables: entries of any bits, pointing at their own table or an
 * ancestor, outside RAM, with reserved or large-page bits at every level, and addresses that
 * leave the user half or wrap. Whatever the tables say, the walker answers with pieces inside
 * guest RAM that add up to the range, or a fault, and never throws.
 */
class PageTableWalkerProperties {

    // ---- Model: tables as the guest kernel writes them, from a list of 4 KiB mappings. ----

    private static final int PAGES = 64;
    private static final long FRAMES = 1L << 20;

    /** One page of the window: unmapped, or mapped to frame {@code frame} of the frame area. */
    record Mapping(int frame, boolean writable) {}

    record ModelCase(List<Optional<Mapping>> pages, long window, long start, long length, Access access) {}

    @Provide
    Arbitrary<ModelCase> modelCases() {
        Arbitrary<Optional<Mapping>> page = Combinators.combine(Arbitraries.integers().between(0, 127),
                Arbitraries.of(true, false)).as(Mapping::new).optional(0.85);
        // The window starts at a 4 KiB page anywhere, so its pages cross table boundaries at every level.
        Arbitrary<Long> window = Arbitraries.of(0x1000L, 0x1f_f000L - 10 * PAGE, 0x7f_ffff_c000L, 0x3f_ffe0_0000L,
                0x7e_ffff_f000L - 32 * PAGE);
        return Combinators.combine(page.list().ofSize(PAGES), window,
                Arbitraries.longs().between(0, PAGES * PAGE), Arbitraries.longs().between(0, (PAGES + 2) * PAGE),
                Arbitraries.of(Access.class)).as(ModelCase::new);
    }

    @Property(tries = 300)
    void tablesTranslateAsTheMappingsTheyWereBuiltFrom(@ForAll("modelCases") ModelCase c) {
        try (TestPageTables tables = new TestPageTables(FRAMES + 128 * PAGE, FRAMES)) {
            for (int i = 0; i < PAGES; i++) {
                Optional<Mapping> page = c.pages().get(i);
                if (page.isPresent()) {
                    tables.map4k(c.window() + i * PAGE, FRAMES + page.get().frame() * PAGE,
                            page.get().writable() ? USER_RW : USER_RO);
                }
            }
            UserTranslation actual = new PageTableWalker(tables.memory).translate(tables.root,
                    c.window() + c.start(), c.length(), c.access());
            assertThat(actual).isEqualTo(expected(c));
            Statistics.label("result").collect(actual.getClass().getSimpleName());
        }
    }

    /** What the list of mappings says about the range, page by page. */
    private static UserTranslation expected(ModelCase c) {
        List<Piece> pieces = new ArrayList<>();
        long cursor = c.window() + c.start();
        long end = cursor + c.length();
        while (cursor < end) {
            long page = (cursor - c.window()) / PAGE;
            Optional<Mapping> mapping = page < PAGES ? c.pages().get((int) page) : Optional.empty();
            if (mapping.isEmpty()) {
                return new Fault(cursor, Reason.NOT_PRESENT);
            }
            if (c.access() == Access.WRITE && !mapping.get().writable()) {
                return new Fault(cursor, Reason.READ_ONLY);
            }
            long offset = cursor % PAGE;
            long chunk = Math.min(PAGE - offset, end - cursor);
            long gpa = FRAMES + mapping.get().frame() * PAGE + offset;
            Piece last = pieces.isEmpty() ? null : pieces.getLast();
            if (last != null && last.gpa() + last.length() == gpa) {
                pieces.set(pieces.size() - 1, new Piece(last.gpa(), last.length() + chunk));
            } else {
                pieces.add(new Piece(gpa, chunk));
            }
            cursor += chunk;
        }
        return new Mapped(pieces);
    }

    // ---- Hostile tables. ----

    private static final List<Long> RAM_SIZES = List.of(16 * PAGE, 16 * PAGE + 100, 3 * PAGE);
    /** Table slots the writes and the addresses share, so that walks meet the hostile entries. */
    private static final List<Integer> SLOTS = List.of(0, 1, 2, 255, 256, 511);

    /** Pages 0 to 5 are tables: the entries of their {@link #SLOTS}, in order, the rest zero. */
    private static final int TABLE_PAGES = 6;

    record HostileCase(long ramSize, List<Long> entries, long cr3, long address, long length, Access access) {}

    private static Arbitrary<Long> entries() {
        // Mostly the first few pages, so that walks meet written entries; now and then past RAM.
        Arbitrary<Long> page = Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.longs().between(0, 5)),
                Tuple.of(1, Arbitraries.longs().between(6, 18))).map(p -> p * PAGE);
        // Present, user and (mostly) writable, any other low bits but the large-page bit.
        Arbitrary<Long> flags = Arbitraries.longs().between(0, 0xfff).map(f -> (f | 0b101) & ~0x80L);
        Arbitrary<Long> pointer = Combinators.combine(page, flags).as((p, f) -> p | f);
        Arbitrary<Long> large = pointer.map(p -> p | 0x80);
        Arbitrary<Long> reservedBits = Combinators.combine(pointer, Arbitraries.integers().between(12, 30))
                .as((p, bit) -> p | 0x80 | 1L << bit);
        Arbitrary<Long> highBits = Combinators.combine(pointer, Arbitraries.integers().between(40, 63))
                .as((p, bit) -> p | 1L << bit);
        return Arbitraries.frequencyOf(
                Tuple.of(12, pointer),
                Tuple.of(2, large),
                Tuple.of(2, reservedBits),
                Tuple.of(1, highBits),
                Tuple.of(1, Arbitraries.longs()));
    }

    private static Arbitrary<Long> addresses() {
        Arbitrary<Long> bySlots = Arbitraries.of(SLOTS).list().ofSize(4).filter(slots -> slots.get(0) < 256).flatMap(slots -> Arbitraries.longs()
                .between(0, PAGE - 1).map(offset -> ((long) slots.get(0) << 39 | (long) slots.get(1) << 30
                        | (long) slots.get(2) << 21 | (long) slots.get(3) << 12 | offset)));
        long end = PageTableWalker.USER_HALF_END;
        return Arbitraries.frequencyOf(
                Tuple.of(6, bySlots),
                Tuple.of(1, Arbitraries.longs().between(end - 2 * PAGE, end + PAGE)),
                Tuple.of(1, Arbitraries.longs()),
                Tuple.of(1, Arbitraries.longs().between(-2 * PAGE, -1)));
    }

    private static Arbitrary<Long> lengths() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0L)),
                Tuple.of(6, Arbitraries.longs().between(1, 3 * PAGE)),
                Tuple.of(2, Arbitraries.longs().between(0, 4L << 20)),
                Tuple.of(1, Arbitraries.of(PageTableWalker.MAX_LENGTH, PageTableWalker.MAX_LENGTH + 1,
                        -1L, Long.MAX_VALUE, Long.MIN_VALUE, PageTableWalker.USER_HALF_END)));
    }

    @Provide
    Arbitrary<HostileCase> hostileCases() {
        Arbitrary<Long> cr3 = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(0, 5).map(p -> p * PAGE)),
                Tuple.of(1, Arbitraries.longs().between(6, 17).map(p -> p * PAGE)),
                Tuple.of(1, Arbitraries.longs()));
        return Combinators.combine(Arbitraries.of(RAM_SIZES), entries().list().ofSize(TABLE_PAGES * SLOTS.size()), cr3, addresses(),
                lengths(), Arbitraries.of(Access.class)).as(HostileCase::new);
    }

    // No generated edge cases: they would make most tries empty ranges; the extremes are in lengths().
    @Property(tries = 1000, edgeCases = EdgeCasesMode.NONE)
    void hostileTablesYieldPiecesOfGuestRamOrAFaultNeverAnException(@ForAll("hostileCases") HostileCase c) {
        try (TestPageTables tables = new TestPageTables(c.ramSize(), c.ramSize())) {
            for (int i = 0; i < c.entries().size(); i++) {
                long table = i / SLOTS.size() * PAGE;
                if (table + PAGE <= c.ramSize()) {
                    tables.setEntry(table, SLOTS.get(i % SLOTS.size()), c.entries().get(i));
                }
            }
            PageTableWalker walker = new PageTableWalker(tables.memory);
            UserTranslation translation = walker.translate(c.cr3(), c.address(), c.length(), c.access());
            checkContract(tables.memory, c.address(), c.length(), translation);
            if (c.access() == Access.WRITE && translation instanceof Mapped) {
                assertThat(walker.translate(c.cr3(), c.address(), c.length(), Access.READ))
                        .as("what may be written may be read").isEqualTo(translation);
            }
            Statistics.label("result").collect(translation instanceof Fault f ? f.reason().name()
                    : ((Mapped) translation).pieces().isEmpty() ? "EMPTY" : "MAPPED");
        }
    }

    /** The walker's contract, for any tables and arguments. */
    static void checkContract(GuestMemory memory, long address, long length, UserTranslation translation) {
        switch (translation) {
            case Mapped mapped -> {
                assertThat(mapped.length()).isEqualTo(length);
                for (Piece piece : mapped.pieces()) {
                    assertThat(piece.gpa() + piece.length()).as("piece inside RAM").isBetween(1L, memory.size());
                }
            }
            case Fault fault -> {
                assertThat(fault.address()).isGreaterThanOrEqualTo(address);
                if (fault.address() != address) {
                    assertThat(fault.address() - address).isLessThan(length);
                }
            }
        }
    }
}
