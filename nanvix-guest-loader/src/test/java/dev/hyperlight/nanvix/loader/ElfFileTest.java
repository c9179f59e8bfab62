package dev.hyperlight.nanvix.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.loader.ElfBuilder.Header;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ElfFileTest {

    private static final long MEMORY = 64L << 20;

    private static ElfFile parse(byte[] bytes) throws ElfFormatException {
        return ElfFile.parse(bytes, ElfLimits.forProgram(MEMORY));
    }

    private static void assertRejected(ElfBuilder elf, String message) {
        assertRejected(elf.build(), message);
    }

    private static void assertRejected(byte[] bytes, String message) {
        assertThatThrownBy(() -> parse(bytes))
                .isInstanceOf(ElfFormatException.class)
                .hasMessage(message);
    }

    private static ElfBuilder withSegment(ElfBuilder elf, int index, Header header) {
        elf.headers.set(index, header);
        return elf;
    }

    @Nested
    class Accepts {

        @Test
        void aStaticExecutable() throws Exception {
            ElfFile elf = parse(ElfBuilder.staticExecutable().build());

            assertThat(elf.kind()).isEqualTo(ElfKind.STATIC);
            assertThat(elf.entryPoint()).isEqualTo(0x401000);
            assertThat(elf.loadSegments()).hasSize(2);
            assertThat(elf.loadSegments().get(1).memorySize()).isEqualTo(0x1800);
            assertThat(elf.loadSize()).isEqualTo(0x3000);
            assertThat(elf.interpreter()).isEmpty();
            assertThat(elf.fileSize()).isEqualTo(0x3000);
        }

        @Test
        void aStaticPieLinkedAtZero() throws Exception {
            ElfFile elf = parse(ElfBuilder.staticPie().build());

            assertThat(elf.kind()).isEqualTo(ElfKind.STATIC_PIE);
            assertThat(elf.kind().isPositionIndependent()).isTrue();
            assertThat(elf.loadSegments()).extracting(ProgramHeader::virtualAddress)
                    .containsExactly(0L, 0x1000L, 0x2000L);
        }

        @Test
        void aDynamicProgramAndReportsItsInterpreter() throws Exception {
            byte[] path = "/lib64/ld-linux-x86-64.so.2\0".getBytes(StandardCharsets.UTF_8);
            ElfFile elf = parse(ElfBuilder.staticExecutable().interpreter(path).build());

            assertThat(elf.kind()).isEqualTo(ElfKind.DYNAMIC);
            assertThat(elf.kind().isDynamic()).isTrue();
            assertThat(elf.interpreter()).contains("/lib64/ld-linux-x86-64.so.2");
        }

        @Test
        void segmentsThatTouchWithoutSharingAPage() throws Exception {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withFilesz(0x1000).withMemsz(0x1000));

            assertThat(parse(elf.build()).loadSize()).isEqualTo(0x3000);
        }

        @Test
        void alignmentZeroOrOne() throws Exception {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withAlign(0));
            withSegment(elf, 1, elf.headers.get(1).withAlign(1));

            assertThat(parse(elf.build()).loadSegments()).hasSize(2);
        }

        @Test
        void aCopyOfTheArraySoLaterChangesDoNotLeakIn() throws Exception {
            byte[] bytes = ElfBuilder.staticExecutable().build();
            ElfFile elf = parse(bytes);
            Arrays.fill(bytes, (byte) 0);

            ProgramHeader text = elf.loadSegments().getFirst();
            assertThat(elf.segmentContents(text).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0xf4);
        }
    }

    @Nested
    class RejectsTheHeader {

        @Test
        void whenItIsNotElf() {
            assertRejected(new byte[0], "not an ELF file");
            assertRejected("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII), "not an ELF file");
            assertRejected(new byte[] {0x7f, 'E', 'L'}, "not an ELF file");
        }

        @Test
        void whenTruncated() {
            byte[] truncated = Arrays.copyOf(ElfBuilder.staticExecutable().build(), 40);

            assertRejected(truncated, "the ELF header is truncated: the file has 40 bytes, the header needs 64");
        }

        @Test
        void whenNot64Bit() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.elfClass = 1;
            assertRejected(elf, "32-bit ELF files are not supported");
            elf.elfClass = 7;
            assertRejected(elf, "ELF class 7 is not valid");
        }

        @Test
        void whenBigEndianOrUnknownEncoding() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.encoding = 2;
            assertRejected(elf, "big-endian ELF files are not supported");
            elf.encoding = 0;
            assertRejected(elf, "ELF data encoding 0 is not valid");
        }

        @Test
        void whenTheVersionIsNotCurrent() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.identVersion = 2;
            assertRejected(elf, "ELF version 2 is not supported");
            elf.identVersion = 1;
            elf.version = 0;
            assertRejected(elf, "ELF version 0 is not supported");
        }

        @Test
        void whenForAnotherMachine() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.machine = 183;
            assertRejected(elf, "ELF file is for machine 183 (AArch64), not x86-64");
            elf.machine = 3;
            assertRejected(elf, "ELF file is for machine 3 (i386), not x86-64");
            elf.machine = 4242;
            assertRejected(elf, "ELF file is for machine 4242, not x86-64");
        }

        @Test
        void whenNotAnExecutable() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.type = 1;
            assertRejected(elf, "ELF file is a relocatable object file, not an executable");
            elf.type = 4;
            assertRejected(elf, "ELF file is a core dump, not an executable");
            elf.type = 0;
            assertRejected(elf, "ELF file type 0 is not an executable");
        }
    }

    @Nested
    class RejectsTheProgramHeaderTable {

        @Test
        void whenEntriesHaveTheWrongSize() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.phentsize = 32;
            assertRejected(elf, "ELF program header entries are 32 bytes, not 56");
        }

        @Test
        void whenItStartsOutsideTheFile() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.phoff = 0x3000;
            assertRejected(elf, "the program header table lies outside the file");
            elf.phoff = -8;
            assertRejected(elf, "the program header table lies outside the file");
        }

        @Test
        void whenTruncated() {
            byte[] bytes = Arrays.copyOf(ElfBuilder.staticExecutable().build(), 64 + 56 + 20);
            assertRejected(bytes, "program header 1 lies outside the file");
        }

        @Test
        void whenItRunsPastTheEndOfTheFile() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.phoff = 0x3000 - 56 - 8;
            assertRejected(elf, "program header 1 lies outside the file");
        }

        @Test
        void whenItUsesExtendedNumbering() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.phnum = 0xffff;
            assertRejected(elf, "ELF files with 65535 or more program headers are not supported");
        }

        @Test
        void whenThereIsNoLoadableSegment() {
            ElfBuilder none = ElfBuilder.staticExecutable();
            none.phnum = 0;
            assertRejected(none, "the ELF file has no loadable segment");

            ElfBuilder notesOnly = new ElfBuilder();
            notesOnly.add(new Header(ProgramHeader.PT_NOTE, ProgramHeader.PF_R, 0x200, 0x400200, 0x20, 0x20, 4));
            assertRejected(notesOnly, "the ELF file has no loadable segment");
        }
    }

    @Nested
    class RejectsASegment {

        @Test
        void whenItsFileRangeLeavesTheFile() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withFilesz(0x1001));
            assertRejected(elf, "segment 1 lies outside the file");
        }

        @Test
        void whenItsOffsetPlusSizeOverflows() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withOffset(0xffff_ffff_ffff_f000L)
                    .withVaddr(0x401000).withFilesz(0x2000).withMemsz(0x2000));
            assertRejected(elf, "segment 0 lies outside the file");

            ElfBuilder huge = ElfBuilder.staticExecutable();
            withSegment(huge, 0, huge.headers.get(0).withFilesz(-1).withMemsz(-1));
            assertRejected(huge, "segment 0 lies outside the file");
        }

        @Test
        void whenItsFileSizeExceedsItsMemorySize() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withMemsz(0x80));
            assertRejected(elf, "segment 0 has a file size (0x100) larger than its memory size (0x80)");
        }

        @Test
        void whenItsAlignmentIsNotAPowerOfTwo() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withAlign(0x1800));
            assertRejected(elf, "segment 1 has alignment 0x1800, which is not a power of two");
        }

        @Test
        void whenAddressAndOffsetDisagreeModuloTheAlignment() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withAlign(0x80_0000));
            assertRejected(elf, "segment 0 has address 0x401000 and file offset 0x1000, "
                    + "which differ modulo its alignment 0x800000");
        }

        @Test
        void whenAddressAndOffsetDisagreeModuloThePageSize() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withVaddr(0x401010).withAlign(1));
            elf.entry = 0x401010;
            assertRejected(elf, "segment 0 has address 0x401010 and file offset 0x1000, "
                    + "which differ modulo the page size");
        }

        @Test
        void whenItWrapsAroundTheAddressSpace() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withVaddr(0xffff_ffff_ffff_f000L).withOffset(0x2000)
                    .withMemsz(0x2000));
            assertRejected(elf, "segment 1 wraps around the end of the address space");
        }

        @Test
        void whenItIsLargerThanGuestMemory() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withMemsz(1L << 40));
            assertRejected(elf, "segment 1 is larger than guest memory: it needs 1 TiB, the guest has 64 MiB");
        }

        @Test
        void whenItEndsAboveTheUserAddressSpace() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withVaddr(GuestAbi.USER_TOP - 0x1000));
            assertRejected(elf, "segment 1 ends at 0x7f0000000800, above the address limit 0x7f0000000000");
        }

        @Test
        void whenAFixedAddressSegmentStartsBelowTheFirstUserPage() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withVaddr(0));
            assertRejected(elf, "segment 1 starts at 0x0, below the lowest usable address 0x1000");
        }
    }

    @Nested
    class RejectsTheSegmentsTogether {

        @Test
        void whenTwoOverlap() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withVaddr(0x401000));
            assertRejected(elf, "segments 0 and 1 overlap");
        }

        @Test
        void whenTwoShareAPage() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withVaddr(0x401000).withOffset(0x2000));
            withSegment(elf, 0, elf.headers.get(0).withFilesz(0x10).withMemsz(0x10));
            elf.headers.set(1, elf.headers.get(1).withVaddr(0x401800).withOffset(0x2800));
            assertRejected(elf, "segments 0 and 1 overlap");
        }

        @Test
        void whenALargeSegmentCoversALaterOne() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 0, elf.headers.get(0).withMemsz(0x10_0000));
            elf.add(new Header(ProgramHeader.PT_LOAD, ElfBuilder.RW, 0x2000, 0x480000, 0, 0x1000, 0x1000));
            withSegment(elf, 1, elf.headers.get(1).withVaddr(0x600000));
            assertRejected(elf, "segments 0 and 2 overlap");
        }

        @Test
        void whenTheyNeedMoreThanGuestMemory() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            withSegment(elf, 1, elf.headers.get(1).withMemsz(40L << 20));
            elf.add(new Header(ProgramHeader.PT_LOAD, ElfBuilder.RW, 0x2000, 0x1000_0000, 0, 40L << 20, 0x1000));
            assertRejected(elf, "the loadable segments together are larger than guest memory: "
                    + "they need 80.0 MiB, the guest has 64 MiB");
        }

        @Test
        void whenTheEntryPointIsOutsideEveryExecutableSegment() {
            ElfBuilder data = ElfBuilder.staticExecutable();
            data.entry = 0x402000;
            assertRejected(data, "entry point 0x402000 is outside every executable segment");

            ElfBuilder past = ElfBuilder.staticExecutable();
            past.entry = 0x401100;
            assertRejected(past, "entry point 0x401100 is outside every executable segment");

            ElfBuilder noExec = ElfBuilder.staticExecutable();
            withSegment(noExec, 0, noExec.headers.get(0).withFlags(ProgramHeader.PF_R));
            assertRejected(noExec, "entry point 0x401000 is outside every executable segment");
        }

        @Test
        void whenAPieEntryPointIsOutsideItsSegmentsRelativeToZero() {
            ElfBuilder elf = ElfBuilder.staticPie();
            elf.entry = 0x401000;
            assertRejected(elf, "entry point 0x401000 is outside every executable segment");
        }
    }

    @Nested
    class RejectsTheInterpreter {

        @Test
        void whenNotNulTerminated() {
            ElfBuilder elf = ElfBuilder.staticExecutable().interpreter("/lib/ld.so".getBytes(StandardCharsets.UTF_8));
            assertRejected(elf, "the interpreter path in PT_INTERP is not NUL-terminated");
        }

        @Test
        void whenEmpty() {
            assertRejected(ElfBuilder.staticExecutable().interpreter(new byte[] {0}),
                    "the interpreter path in PT_INTERP is empty");
            assertRejected(ElfBuilder.staticExecutable().interpreter(new byte[0]),
                    "the interpreter path in PT_INTERP is not NUL-terminated");
        }

        @Test
        void whenOutsideTheFile() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.add(new Header(ProgramHeader.PT_INTERP, ProgramHeader.PF_R, 0x2ff0, 0, 0x20, 0x20, 1));
            assertRejected(elf, "the PT_INTERP header lies outside the file");
        }

        @Test
        void whenTooLong() {
            ElfBuilder elf = ElfBuilder.staticExecutable();
            elf.add(new Header(ProgramHeader.PT_INTERP, ProgramHeader.PF_R, 0x100, 0, 0x1001, 0x1001, 1));
            assertRejected(elf, "the interpreter path in PT_INTERP is longer than 4096 bytes");
        }

        @Test
        void whenNotUtf8() {
            ElfBuilder elf = ElfBuilder.staticExecutable().interpreter(new byte[] {'/', (byte) 0xff, 0});
            assertRejected(elf, "the interpreter path in PT_INTERP is not valid UTF-8");
        }

        @Test
        void whenThereAreTwo() {
            byte[] path = "/lib/ld.so\0".getBytes(StandardCharsets.UTF_8);
            ElfBuilder elf = ElfBuilder.staticExecutable().interpreter(path).interpreter(path);
            assertRejected(elf, "the ELF file has more than one PT_INTERP header");
        }
    }

    @Test
    void recognisesElfMagicFromTheFirstBytes() {
        assertThat(ElfFile.hasElfMagic(new byte[] {0x7f, 'E', 'L', 'F'})).isTrue();
        assertThat(ElfFile.hasElfMagic(ElfBuilder.staticExecutable().build())).isTrue();
        assertThat(ElfFile.hasElfMagic(new byte[] {0x7f, 'E', 'L'})).isFalse();
        assertThat(ElfFile.hasElfMagic("#!/usr/bin/env python3".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(ElfFile.hasElfMagic(new byte[0])).isFalse();
    }

    @Test
    void refusesContentsOfAHeaderThatIsNotOneOfItsLoadSegments() throws Exception {
        ElfFile elf = parse(ElfBuilder.staticExecutable().build());
        ProgramHeader forged = new ProgramHeader(0, ProgramHeader.PT_LOAD, 5, 0, 0x401000, 0, 1 << 20, 1 << 20, 0);

        assertThatThrownBy(() -> elf.segmentContents(forged)).isInstanceOf(IllegalArgumentException.class);
    }
}
