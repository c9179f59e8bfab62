package dev.hyperlight.nanvix.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds ELF64 files byte by byte, with every header field open to corruption. */
final class ElfBuilder {

    record Header(int type, int flags, long offset, long vaddr, long filesz, long memsz,
            long align) {

        Header withOffset(long value) {
            return new Header(type, flags, value, vaddr, filesz, memsz, align);
        }

        Header withVaddr(long value) {
            return new Header(type, flags, offset, value, filesz, memsz, align);
        }

        Header withFilesz(long value) {
            return new Header(type, flags, offset, vaddr, value, memsz, align);
        }

        Header withMemsz(long value) {
            return new Header(type, flags, offset, vaddr, filesz, value, align);
        }

        Header withAlign(long value) {
            return new Header(type, flags, offset, vaddr, filesz, memsz, value);
        }

        Header withFlags(int value) {
            return new Header(type, value, offset, vaddr, filesz, memsz, align);
        }
    }

    static final int RX = ProgramHeader.PF_R | ProgramHeader.PF_X;
    static final int RW = ProgramHeader.PF_R | ProgramHeader.PF_W;

    int elfClass = 2;
    int encoding = 1;
    int identVersion = 1;
    int type = 2;
    int machine = 62;
    int version = 1;
    long entry = 0x401000;
    long phoff = 64;
    int phentsize = 56;
    Integer phnum;
    int fileSize = 0x3000;
    final List<Header> headers = new ArrayList<>();
    /** Bytes placed into the file after the headers are laid out. */
    private final List<Patch> patches = new ArrayList<>();

    private record Patch(int offset, byte[] bytes) {}

    /** A static executable: text at 0x401000 (file 0x1000), data + bss at 0x402000 (file 0x2000). */
    static ElfBuilder staticExecutable() {
        ElfBuilder elf = new ElfBuilder();
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, RX, 0x1000, 0x401000, 0x100, 0x100, 0x1000));
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, RW, 0x2000, 0x402000, 0x10, 0x1800, 0x1000));
        elf.patch(0x1000, new byte[] {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd});
        return elf;
    }

    /** The same layout linked at 0, as ET_DYN. */
    static ElfBuilder staticPie() {
        ElfBuilder elf = new ElfBuilder();
        elf.type = 3;
        elf.entry = 0x1000;
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, ProgramHeader.PF_R, 0, 0, 0x200, 0x200, 0x1000));
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, RX, 0x1000, 0x1000, 0x100, 0x100, 0x1000));
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, RW, 0x2000, 0x2000, 0x10, 0x1800, 0x1000));
        return elf;
    }

    /** A kernel linked like guest-kernel/linker.ld: text, rodata, data + bss above KERNEL_BASE + 2 MiB. */
    static ElfBuilder kernel() {
        long base = GuestAbi.KERNEL_BASE + 0x20_0000;
        ElfBuilder elf = new ElfBuilder();
        elf.entry = base;
        elf.fileSize = 0x4000;
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, RX, 0x1000, base, 0x800, 0x800, 0x1000));
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, ProgramHeader.PF_R, 0x2000, base + 0x1000, 0x100, 0x100, 0x1000));
        elf.headers.add(new Header(ProgramHeader.PT_LOAD, RW, 0x3000, base + 0x2000, 0x40, 0x3000, 0x1000));
        elf.patch(0x1000, filled(0x800, (byte) 0xc3));
        elf.patch(0x2000, filled(0x100, (byte) 0x52));
        elf.patch(0x3000, filled(0x40, (byte) 0xd4));
        return elf;
    }

    static byte[] filled(int length, byte value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }

    ElfBuilder add(Header header) {
        headers.add(header);
        return this;
    }

    ElfBuilder patch(int offset, byte[] bytes) {
        patches.add(new Patch(offset, bytes));
        return this;
    }

    /** Adds a PT_INTERP whose contents are {@code path} at file offset 0x800. */
    ElfBuilder interpreter(byte[] path) {
        headers.add(new Header(ProgramHeader.PT_INTERP, ProgramHeader.PF_R, 0x800, 0x400800,
                path.length, path.length, 1));
        return patch(0x800, path);
    }

    byte[] build() {
        ByteBuffer out = ByteBuffer.allocate(fileSize).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, (byte) encoding, (byte) identVersion});
        out.putShort(16, (short) type);
        out.putShort(18, (short) machine);
        out.putInt(20, version);
        out.putLong(24, entry);
        out.putLong(32, phoff);
        out.putShort(52, (short) 64);
        out.putShort(54, (short) phentsize);
        out.putShort(56, (short) (phnum != null ? phnum : headers.size()));
        for (int i = 0; i < headers.size(); i++) {
            Header h = headers.get(i);
            long at = phoff + i * 56L;
            if (phoff < 0 || at + 56 > fileSize) {
                continue; // a table placed outside the file on purpose
            }
            int i32 = (int) at;
            out.putInt(i32, h.type());
            out.putInt(i32 + 4, h.flags());
            out.putLong(i32 + 8, h.offset());
            out.putLong(i32 + 16, h.vaddr());
            out.putLong(i32 + 24, h.vaddr());
            out.putLong(i32 + 32, h.filesz());
            out.putLong(i32 + 40, h.memsz());
            out.putLong(i32 + 48, h.align());
        }
        for (Patch patch : patches) {
            out.put(patch.offset(), patch.bytes());
        }
        return out.array();
    }
}
