package dev.hyperlight.nanvix.loader;

import static dev.hyperlight.nanvix.loader.ByteSizes.alignDown;
import static dev.hyperlight.nanvix.loader.ByteSizes.alignUp;
import static dev.hyperlight.nanvix.loader.ByteSizes.describe;
import static dev.hyperlight.nanvix.loader.ByteSizes.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated ELF64 little-endian x86-64 executable ({@code ET_EXEC} or {@code ET_DYN}).
 *
 * <p>Every field is read only after its position was checked against the file size, and every
 * unsigned 64-bit sum is checked for overflow, so any input either parses or fails with one
 * {@link ElfFormatException} whose message a command-line tool can print as it is.
 */
public final class ElfFile {

    public static final int HEADER_SIZE = 64;
    public static final int PROGRAM_HEADER_SIZE = 56;
    /** Linux's PATH_MAX, counting the NUL. */
    public static final int MAX_INTERPRETER_LENGTH = 4096;

    private static final byte[] MAGIC = {0x7f, 'E', 'L', 'F'};
    private static final int ELFCLASS32 = 1;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int ELFDATA2MSB = 2;
    private static final int EV_CURRENT = 1;
    private static final int ET_REL = 1;
    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;
    private static final int ET_CORE = 4;
    private static final int EM_X86_64 = 62;
    /** e_phnum value meaning "the real count is in section header 0". */
    private static final int PN_XNUM = 0xffff;

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment file;
    private final ElfKind kind;
    private final long entryPoint;
    private final List<ProgramHeader> programHeaders;
    private final List<ProgramHeader> loadSegments;
    private final String interpreter;
    private final long loadSize;

    private ElfFile(MemorySegment file, ElfKind kind, long entryPoint,
            List<ProgramHeader> programHeaders, List<ProgramHeader> loadSegments,
            String interpreter, long loadSize) {
        this.file = file;
        this.kind = kind;
        this.entryPoint = entryPoint;
        this.programHeaders = programHeaders;
        this.loadSegments = loadSegments;
        this.interpreter = interpreter;
        this.loadSize = loadSize;
    }

    /** Parses a copy of {@code file}, so later changes to the array cannot bypass validation. */
    public static ElfFile parse(byte[] file, ElfLimits limits) throws ElfFormatException {
        return parse(MemorySegment.ofArray(file.clone()), limits);
    }

    /** Parses {@code file}, which the caller must not change while it uses the result. */
    public static ElfFile parse(MemorySegment file, ElfLimits limits) throws ElfFormatException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(limits, "limits");
        if (!hasElfMagic(file)) {
            throw new ElfFormatException("not an ELF file");
        }
        if (file.byteSize() < HEADER_SIZE) {
            throw new ElfFormatException("the ELF header is truncated: the file has "
                    + describe(file.byteSize()) + ", the header needs " + HEADER_SIZE);
        }
        checkIdentification(file);
        boolean positionIndependent = checkType(file);
        long entryPoint = file.get(U64, 24);

        List<ProgramHeader> headers = readProgramHeaders(file);
        List<ProgramHeader> loads = new ArrayList<>();
        String interpreter = null;
        for (ProgramHeader header : headers) {
            if (header.isLoad()) {
                checkLoadSegment(header, file.byteSize(), positionIndependent, limits);
                loads.add(header);
            } else if (header.type() == ProgramHeader.PT_INTERP) {
                if (interpreter != null) {
                    throw new ElfFormatException("the ELF file has more than one PT_INTERP header");
                }
                interpreter = readInterpreter(file, header);
            }
        }
        if (loads.isEmpty()) {
            throw new ElfFormatException("the ELF file has no loadable segment");
        }
        long loadSize = checkNoOverlapAndMeasure(loads, limits);
        checkEntryPoint(entryPoint, loads);
        return new ElfFile(file, ElfKind.of(positionIndependent, interpreter != null), entryPoint,
                List.copyOf(headers), List.copyOf(loads), interpreter, loadSize);
    }

    /** Whether these first bytes of a file are the ELF magic (file-type detection only). */
    public static boolean hasElfMagic(byte[] prefix) {
        return hasElfMagic(MemorySegment.ofArray(prefix));
    }

    /** Whether the segment starts with the ELF magic (file-type detection only). */
    public static boolean hasElfMagic(MemorySegment prefix) {
        if (prefix.byteSize() < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    public ElfKind kind() {
        return kind;
    }

    /** {@code e_entry}; relative to the load base for position-independent files. */
    public long entryPoint() {
        return entryPoint;
    }

    /** All program headers, in file order. */
    public List<ProgramHeader> programHeaders() {
        return programHeaders;
    }

    /** The {@code PT_LOAD} headers, in file order, each validated. */
    public List<ProgramHeader> loadSegments() {
        return loadSegments;
    }

    /** The dynamic loader path from {@code PT_INTERP}, without its NUL. */
    public Optional<String> interpreter() {
        return Optional.ofNullable(interpreter);
    }

    /** Bytes of memory the loadable segments occupy, counted in whole pages. */
    public long loadSize() {
        return loadSize;
    }

    public long fileSize() {
        return file.byteSize();
    }

    /** The {@code p_filesz} bytes of one of this file's loadable segments. */
    public MemorySegment segmentContents(ProgramHeader load) {
        if (!loadSegments.contains(load)) {
            throw new IllegalArgumentException("not a loadable segment of this file: " + load);
        }
        return file.asSlice(load.offset(), load.fileSize());
    }

    private static void checkIdentification(MemorySegment file) throws ElfFormatException {
        int elfClass = u8(file, 4);
        if (elfClass == ELFCLASS32) {
            throw new ElfFormatException("32-bit ELF files are not supported");
        }
        if (elfClass != ELFCLASS64) {
            throw new ElfFormatException("ELF class " + elfClass + " is not valid");
        }
        int encoding = u8(file, 5);
        if (encoding == ELFDATA2MSB) {
            throw new ElfFormatException("big-endian ELF files are not supported");
        }
        if (encoding != ELFDATA2LSB) {
            throw new ElfFormatException("ELF data encoding " + encoding + " is not valid");
        }
        int identVersion = u8(file, 6);
        if (identVersion != EV_CURRENT) {
            throw new ElfFormatException("ELF version " + identVersion + " is not supported");
        }
        int machine = u16(file, 18);
        if (machine != EM_X86_64) {
            throw new ElfFormatException("ELF file is for machine " + machine
                    + machineName(machine) + ", not x86-64");
        }
        long version = u32(file, 20);
        if (version != EV_CURRENT) {
            throw new ElfFormatException("ELF version " + version + " is not supported");
        }
    }

    /** Returns whether the file is position-independent ({@code ET_DYN}). */
    private static boolean checkType(MemorySegment file) throws ElfFormatException {
        int type = u16(file, 16);
        return switch (type) {
            case ET_EXEC -> false;
            case ET_DYN -> true;
            case ET_REL -> throw new ElfFormatException(
                    "ELF file is a relocatable object file, not an executable");
            case ET_CORE -> throw new ElfFormatException("ELF file is a core dump, not an executable");
            default -> throw new ElfFormatException("ELF file type " + type + " is not an executable");
        };
    }

    private static List<ProgramHeader> readProgramHeaders(MemorySegment file)
            throws ElfFormatException {
        long tableOffset = file.get(U64, 32);
        int entrySize = u16(file, 54);
        int count = u16(file, 56);
        if (count == 0) {
            return List.of();
        }
        if (count == PN_XNUM) {
            throw new ElfFormatException(
                    "ELF files with 65535 or more program headers are not supported");
        }
        if (entrySize != PROGRAM_HEADER_SIZE) {
            throw new ElfFormatException("ELF program header entries are " + entrySize
                    + " bytes, not " + PROGRAM_HEADER_SIZE);
        }
        long size = file.byteSize();
        if (Long.compareUnsigned(tableOffset, size) >= 0) {
            throw new ElfFormatException("the program header table lies outside the file");
        }
        List<ProgramHeader> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            // tableOffset < size and the table is at most 65534 * 56 bytes: no overflow.
            long at = tableOffset + (long) i * PROGRAM_HEADER_SIZE;
            if (at + PROGRAM_HEADER_SIZE > size) {
                throw new ElfFormatException("program header " + i + " lies outside the file");
            }
            headers.add(new ProgramHeader(i,
                    file.get(U32, at), file.get(U32, at + 4),
                    file.get(U64, at + 8), file.get(U64, at + 16), file.get(U64, at + 24),
                    file.get(U64, at + 32), file.get(U64, at + 40), file.get(U64, at + 48)));
        }
        return headers;
    }

    private static void checkLoadSegment(ProgramHeader segment, long fileSize,
            boolean positionIndependent, ElfLimits limits) throws ElfFormatException {
        String name = "segment " + segment.index();
        long offset = segment.offset();
        long address = segment.virtualAddress();
        long memorySize = segment.memorySize();
        if (outsideFile(offset, segment.fileSize(), fileSize)) {
            throw new ElfFormatException(name + " lies outside the file");
        }
        if (Long.compareUnsigned(segment.fileSize(), memorySize) > 0) {
            throw new ElfFormatException(name + " has a file size (" + hex(segment.fileSize())
                    + ") larger than its memory size (" + hex(memorySize) + ")");
        }
        long alignment = segment.alignment();
        if ((alignment & (alignment - 1)) != 0) {
            throw new ElfFormatException(name + " has alignment " + hex(alignment)
                    + ", which is not a power of two");
        }
        if (alignment > 1 && ((address - offset) & (alignment - 1)) != 0) {
            throw new ElfFormatException(name + " has address " + hex(address) + " and file offset "
                    + hex(offset) + ", which differ modulo its alignment " + hex(alignment));
        }
        // The guest maps file pages at their addresses, as Linux does with mmap.
        if (segment.fileSize() != 0 && ((address - offset) & (GuestAbi.PAGE_SIZE - 1)) != 0) {
            throw new ElfFormatException(name + " has address " + hex(address) + " and file offset "
                    + hex(offset) + ", which differ modulo the page size");
        }
        if (Long.compareUnsigned(address + memorySize, address) < 0) {
            throw new ElfFormatException(name + " wraps around the end of the address space");
        }
        if (Long.compareUnsigned(memorySize, limits.memoryLimit()) > 0) {
            throw new ElfFormatException(name + " is larger than guest memory: it needs "
                    + describe(memorySize) + ", the guest has " + describe(limits.memoryLimit()));
        }
        if (!positionIndependent && Long.compareUnsigned(address, limits.lowestAddress()) < 0) {
            throw new ElfFormatException(name + " starts at " + hex(address)
                    + ", below the lowest usable address " + hex(limits.lowestAddress()));
        }
        if (Long.compareUnsigned(address + memorySize, limits.addressLimit()) > 0) {
            throw new ElfFormatException(name + " ends at " + hex(address + memorySize)
                    + ", above the address limit " + hex(limits.addressLimit()));
        }
    }

    /** Returns the pages the segments occupy, in bytes, after checking no page is shared. */
    private static long checkNoOverlapAndMeasure(List<ProgramHeader> loads, ElfLimits limits)
            throws ElfFormatException {
        // Segments end below the address limit (< 2^63), so page rounding cannot overflow.
        List<ProgramHeader> byAddress = loads.stream()
                .filter(segment -> segment.memorySize() != 0)
                .sorted(Comparator.comparingLong(ProgramHeader::virtualAddress))
                .toList();
        ProgramHeader furthest = null;
        long furthestEnd = 0;
        long total = 0;
        for (ProgramHeader segment : byAddress) {
            long start = alignDown(segment.virtualAddress(), GuestAbi.PAGE_SIZE);
            long end = alignUp(segment.endAddress(), GuestAbi.PAGE_SIZE);
            if (furthest != null && start < furthestEnd) {
                int first = Math.min(furthest.index(), segment.index());
                int second = Math.max(furthest.index(), segment.index());
                throw new ElfFormatException("segments " + first + " and " + second + " overlap");
            }
            total += end - start;
            if (end > furthestEnd) {
                furthest = segment;
                furthestEnd = end;
            }
        }
        if (total > limits.memoryLimit()) {
            throw new ElfFormatException("the loadable segments together are larger than guest "
                    + "memory: they need " + describe(total) + ", the guest has "
                    + describe(limits.memoryLimit()));
        }
        return total;
    }

    private static void checkEntryPoint(long entryPoint, List<ProgramHeader> loads)
            throws ElfFormatException {
        for (ProgramHeader segment : loads) {
            if (segment.isExecutable()
                    && Long.compareUnsigned(entryPoint, segment.virtualAddress()) >= 0
                    && Long.compareUnsigned(entryPoint, segment.endAddress()) < 0) {
                return;
            }
        }
        throw new ElfFormatException("entry point " + hex(entryPoint)
                + " is outside every executable segment");
    }

    private static String readInterpreter(MemorySegment file, ProgramHeader header)
            throws ElfFormatException {
        if (outsideFile(header.offset(), header.fileSize(), file.byteSize())) {
            throw new ElfFormatException("the PT_INTERP header lies outside the file");
        }
        if (header.fileSize() > MAX_INTERPRETER_LENGTH) {
            throw new ElfFormatException("the interpreter path in PT_INTERP is longer than "
                    + MAX_INTERPRETER_LENGTH + " bytes");
        }
        byte[] bytes = file.asSlice(header.offset(), header.fileSize())
                .toArray(ValueLayout.JAVA_BYTE);
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        if (length == bytes.length) {
            throw new ElfFormatException("the interpreter path in PT_INTERP is not NUL-terminated");
        }
        if (length == 0) {
            throw new ElfFormatException("the interpreter path in PT_INTERP is empty");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ElfFormatException("the interpreter path in PT_INTERP is not valid UTF-8");
        }
    }

    /** Whether {@code [offset, offset + length)} (unsigned) is not inside a file of {@code size}. */
    private static boolean outsideFile(long offset, long length, long size) {
        return Long.compareUnsigned(offset, size) > 0
                || Long.compareUnsigned(length, size - offset) > 0;
    }

    private static String machineName(int machine) {
        String name = switch (machine) {
            case 2 -> "SPARC";
            case 3 -> "i386";
            case 8 -> "MIPS";
            case 20 -> "PowerPC";
            case 21 -> "PowerPC64";
            case 22 -> "S/390";
            case 40 -> "ARM";
            case 43 -> "SPARC V9";
            case 183 -> "AArch64";
            case 243 -> "RISC-V";
            case 258 -> "LoongArch";
            default -> null;
        };
        return name == null ? "" : " (" + name + ")";
    }

    private static int u8(MemorySegment file, long offset) {
        return Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, offset));
    }

    private static int u16(MemorySegment file, long offset) {
        return Short.toUnsignedInt(file.get(U16, offset));
    }

    private static long u32(MemorySegment file, long offset) {
        return Integer.toUnsignedLong(file.get(U32, offset));
    }
}
