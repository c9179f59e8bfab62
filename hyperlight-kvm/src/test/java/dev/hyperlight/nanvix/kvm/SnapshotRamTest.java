package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hostmem.GuestRam;
import dev.hyperlight.nanvix.hostmem.SnapshotRam;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A snapshot's RAM without a VM: the sealed memfd holds the copy, private mappings of it (a
 * clone's RAM) see it and keep their own writes, and nothing is left open once all are closed.
 */
@Tag("no-vm")
class SnapshotRamTest {

    private static final long SIZE = 4L << 20;
    private static final long DATA = 0x12_3000;
    private static final String MEMFD = "memfd:" + SnapshotRam.MEMFD_NAME;

    /** A snapshot of fresh guest RAM (untouched but for two writes). */
    private static SnapshotRam sample(Arena arena) throws HypervisorException {
        try (GuestRam source = GuestRam.map(SIZE, arena.allocate(libc_h.CALL_STATE_LAYOUT))) {
            source.memory().set(ValueLayout.JAVA_LONG, 0, 0x5eed);
            source.memory().set(ValueLayout.JAVA_LONG, SIZE - 8, 0xfeed);
            return SnapshotRam.copyOf(source.memory());
        }
    }

    @Test
    void theCopyHoldsTheSourceAndIsSealedAgainstEveryChange() throws HypervisorException {
        try (Arena arena = Arena.ofConfined(); SnapshotRam ram = sample(arena)) {
            assertThat(ram.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x5eed);
            assertThat(ram.memory().get(ValueLayout.JAVA_LONG, SIZE - 8)).isEqualTo(0xfeed);
            assertThat(ram.memory().isReadOnly()).isTrue();
            int all = libc_h.F_SEAL_WRITE | libc_h.F_SEAL_GROW | libc_h.F_SEAL_SHRINK | libc_h.F_SEAL_SEAL;
            assertThat(ram.seals() & all).isEqualTo(all);

            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            assertThat(libc_h.ftruncate(callState, ram.fd(), SIZE * 2)).as("grow").isNotZero();
            MemorySegment shared = libc_h.mmap(callState, MemorySegment.NULL, SIZE,
                    libc_h.PROT_READ | libc_h.PROT_WRITE, libc_h.MAP_SHARED, ram.fd(), 0);
            assertThat(shared.address()).as("a writable shared mapping").isEqualTo(libc_h.MAP_FAILED);
        }
    }

    @Test
    void privateMappingsSeeTheCopyAndKeepTheirWritesToThemselves() throws HypervisorException {
        try (Arena arena = Arena.ofConfined(); SnapshotRam ram = sample(arena)) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            try (GuestRam first = GuestRam.mapPrivateCopy(SIZE, ram.fd(), callState);
                    GuestRam second = GuestRam.mapPrivateCopy(SIZE, ram.fd(), callState)) {
                assertThat(first.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x5eed);
                assertThat(ProcSelf.anonymousKilobytes(first.memory().address())).as("copied when mapped").isZero();
                first.memory().set(ValueLayout.JAVA_LONG, 0, 1);
                first.memory().set(ValueLayout.JAVA_LONG, DATA, 11);
                second.memory().set(ValueLayout.JAVA_LONG, DATA, 22);

                assertThat(ProcSelf.anonymousKilobytes(first.memory().address())).as("copied on two writes")
                        .isEqualTo(2 * GuestRam.PAGE_SIZE / 1024);
                assertThat(first.memory().get(ValueLayout.JAVA_LONG, DATA)).isEqualTo(11);
                assertThat(second.memory().get(ValueLayout.JAVA_LONG, DATA)).isEqualTo(22);
                assertThat(second.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x5eed);
                assertThat(ram.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x5eed);
                assertThat(ram.memory().get(ValueLayout.JAVA_LONG, DATA)).isZero();
            }
        }
    }

    /**
     * A clone copies at once the pages the last clone closed had written (the data pages it wrote
     * and fresh ones alike), sees the snapshot's content there as before, and writes nothing back.
     */
    @Test
    void aCloneCopiesAtOnceWhatTheLastCloneWrote() throws HypervisorException {
        try (Arena arena = Arena.ofConfined(); SnapshotRam ram = sample(arena)) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            try (GuestRam first = GuestRam.mapClone(ram, callState)) {
                assertThat(ProcSelf.anonymousKilobytes(first.memory().address())).as("nothing learned yet").isZero();
                first.memory().set(ValueLayout.JAVA_LONG, 0, 1); // a data page
                first.memory().set(ValueLayout.JAVA_LONG, DATA, 2); // a hole
                first.memory().get(ValueLayout.JAVA_LONG, SIZE - 8); // read only: not learned
            }
            try (GuestRam second = GuestRam.mapClone(ram, callState)) {
                assertThat(ProcSelf.anonymousKilobytes(second.memory().address())).as("copied when mapped")
                        .isEqualTo(2 * GuestRam.PAGE_SIZE / 1024);
                assertThat(second.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x5eed);
                assertThat(second.memory().get(ValueLayout.JAVA_LONG, DATA)).isZero();
                assertThat(second.memory().get(ValueLayout.JAVA_LONG, SIZE - 8)).isEqualTo(0xfeed);
            }
            assertThat(ram.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x5eed);
        }
    }

    /**
     * Reading what a clone wrote walks its RAM's page map, so only the first clone and every 16th
     * after it are learned from: the first writes one page, the 16th two, those between three.
     */
    @Test
    void theFirstCloneAndEverySixteenthAreLearnedFrom() throws HypervisorException {
        try (Arena arena = Arena.ofConfined(); SnapshotRam ram = sample(arena)) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            for (int clone = 0; clone <= 17; clone++) {
                try (GuestRam copy = GuestRam.mapClone(ram, callState)) {
                    long copiedPages = clone == 0 ? 0 : clone <= 16 ? 1 : 2;
                    assertThat(ProcSelf.anonymousKilobytes(copy.memory().address())).as("clone %d when mapped", clone)
                            .isEqualTo(copiedPages * GuestRam.PAGE_SIZE / 1024);
                    int writtenPages = clone == 0 ? 1 : clone == 16 ? 2 : 3;
                    for (int page = 0; page < writtenPages; page++) {
                        copy.memory().set(ValueLayout.JAVA_LONG, DATA + page * GuestRam.PAGE_SIZE, 1);
                    }
                }
            }
        }
    }

    /** A clone that writes far more than the snapshot holds teaches the next clones nothing. */
    @Test
    void aCloneThatFloodsItsRamIsNotLearned() throws HypervisorException {
        try (Arena arena = Arena.ofConfined(); SnapshotRam ram = sample(arena)) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            try (GuestRam modest = GuestRam.mapClone(ram, callState)) {
                modest.memory().set(ValueLayout.JAVA_LONG, DATA, 1);
            }
            long big = 32L << 20;
            SnapshotRam onePage;
            try (GuestRam source = GuestRam.map(big, callState)) {
                source.memory().set(ValueLayout.JAVA_LONG, 0, 7);
                onePage = SnapshotRam.copyOf(source.memory());
            }
            try (SnapshotRam large = onePage) {
                // Found before any clone: a clone's write to a hole reads the file's page first,
                // which tmpfs then allocates, so the file seems to hold more data afterwards.
                assertThat(large.pagesWithData().cardinality()).isEqualTo(1);
                try (GuestRam flood = GuestRam.mapClone(large, callState)) {
                    flood.memory().fill((byte) 1); // 8,192 pages: more than 2 x 1 + 4,096
                }
                try (GuestRam next = GuestRam.mapClone(large, callState)) {
                    assertThat(ProcSelf.anonymousKilobytes(next.memory().address())).isZero();
                }
            }
            try (GuestRam next = GuestRam.mapClone(ram, callState)) {
                assertThat(ProcSelf.anonymousKilobytes(next.memory().address())).isEqualTo(GuestRam.PAGE_SIZE / 1024);
            }
        }
    }

    @Test
    void aClonesMappingOutlivesTheSnapshot() throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            SnapshotRam ram = sample(arena);
            try (GuestRam clone = GuestRam.mapPrivateCopy(SIZE, ram.fd(), arena.allocate(libc_h.CALL_STATE_LAYOUT))) {
                ram.close();
                assertThatThrownBy(() -> ram.memory().get(ValueLayout.JAVA_LONG, 0))
                        .isInstanceOf(IllegalStateException.class);
                assertThat(clone.memory().get(ValueLayout.JAVA_LONG, SIZE - 8)).isEqualTo(0xfeed);
            }
        }
    }

    @Test
    void onlyPagesThatHeldDataAreInTheFile() throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            try (GuestRam source = GuestRam.map(SIZE, arena.allocate(libc_h.CALL_STATE_LAYOUT))) {
                source.memory().set(ValueLayout.JAVA_BYTE, 3 * GuestRam.PAGE_SIZE + 5, (byte) 1);
                source.memory().set(ValueLayout.JAVA_BYTE, SIZE - 1, (byte) 1);
                try (SnapshotRam ram = SnapshotRam.copyOf(source.memory())) {
                    // Zero pages are not copied, even where huge pages made them resident.
                    java.util.BitSet expected = new java.util.BitSet();
                    expected.set(3);
                    expected.set((int) (SIZE / GuestRam.PAGE_SIZE) - 1);
                    assertThat(ram.pagesWithData()).isEqualTo(expected);
                }
            }
            try (SnapshotRam empty = SnapshotRam.filled(SIZE, target -> {})) {
                assertThat(empty.pagesWithData().isEmpty()).isTrue();
            }
        }
    }

    @Test
    void aFailingFillLeavesNothingOpen() {
        long before = memfdDescriptors();
        assertThatThrownBy(() -> SnapshotRam.filled(SIZE, target -> {
            throw new java.io.IOException("refused");
        })).hasMessage("refused");
        assertThat(memfdDescriptors()).isEqualTo(before);
    }

    @Test
    void twoHundredSnapshotsAndCopiesLeaveNoDescriptorOrMappingBehind() throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            long descriptors = memfdDescriptors();
            long mappings = memfdMappings();
            for (int i = 0; i < 200; i++) {
                try (SnapshotRam ram = sample(arena);
                        GuestRam clone = GuestRam.mapPrivateCopy(SIZE, ram.fd(), callState)) {
                    clone.memory().set(ValueLayout.JAVA_LONG, DATA, i);
                }
            }
            assertThat(memfdDescriptors()).isEqualTo(descriptors);
            assertThat(memfdMappings()).isEqualTo(mappings);
        }
    }

    static long memfdDescriptors() {
        return ProcSelf.descriptorTargetsContaining(MEMFD);
    }

    static long memfdMappings() {
        return ProcSelf.mappings().stream().filter(m -> m.path().contains(MEMFD)).count();
    }
}
