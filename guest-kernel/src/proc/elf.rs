//! ELF64 executable parsing and validation. The image comes from the host, which got it from
//! the user: every offset, size and address is checked before the loader uses it.

use crate::abi::host::{PAGE_SIZE, USER_BOTTOM};
use crate::mm::memory::{page_floor, IMAGE_LIMIT};

pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;
const EHDR_SIZE: usize = 64;
pub const PHDR_SIZE: usize = 56;
const MAX_PHNUM: usize = 256;

/// Where a position-independent (static-PIE) program is loaded, like Linux's ELF_ET_DYN_BASE.
pub const PIE_BASE: u64 = 0x0000_5555_5540_0000;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum ElfError {
    TooSmall,
    NotElf,
    Not64BitLittleEndian,
    NotX86_64,
    NotExecutable,
    BadProgramHeaders,
    SegmentOutsideFile,
    SegmentOutsideUserSpace,
    MisalignedSegment,
    NoLoadableSegment,
    EntryOutsideSegments,
    /// The PT_INTERP path is empty, outside the file or not NUL-terminated.
    BadInterpreter,
}

impl ElfError {
    /// One clear sentence for the panic message.
    pub fn describe(self) -> &'static str {
        match self {
            ElfError::TooSmall => "the program is smaller than an ELF header",
            ElfError::NotElf => "the program is not an ELF file",
            ElfError::Not64BitLittleEndian => "the program is not a 64-bit little-endian ELF file",
            ElfError::NotX86_64 => "the program is not built for x86-64",
            ElfError::NotExecutable => "the ELF file is neither an executable nor a static PIE",
            ElfError::BadProgramHeaders => "the ELF program headers are malformed",
            ElfError::SegmentOutsideFile => "an ELF segment lies outside the file",
            ElfError::SegmentOutsideUserSpace => "an ELF segment lies outside user space",
            ElfError::MisalignedSegment => "an ELF segment's address and file offset disagree modulo the page size",
            ElfError::NoLoadableSegment => "the ELF file has no loadable segment",
            ElfError::EntryOutsideSegments => "the ELF entry point is outside every executable segment",
            ElfError::BadInterpreter => "the ELF interpreter path (PT_INTERP) is malformed",
        }
    }
}

/// A PT_LOAD segment, with the load bias already added to `vaddr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadSegment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub flags: u32,
}

impl LoadSegment {
    pub fn readable(&self) -> bool {
        self.flags & PF_R != 0
    }
    pub fn writable(&self) -> bool {
        self.flags & PF_W != 0
    }
    pub fn executable(&self) -> bool {
        self.flags & PF_X != 0
    }
    pub fn end(&self) -> u64 {
        self.vaddr + self.memsz
    }
}

/// A validated executable: every PT_LOAD segment lies inside the file and inside user space.
#[derive(Debug)]
pub struct Executable<'a> {
    bytes: &'a [u8],
    phoff: usize,
    phnum: usize,
    /// Added to every address of the file: 0 for ET_EXEC, `PIE_BASE` for ET_DYN.
    pub bias: u64,
    pub entry: u64,
    pub is_pie: bool,
    /// Highest address a segment may reach.
    limit: u64,
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

struct RawPhdr {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

impl<'a> Executable<'a> {
    /// Parses the program: ET_EXEC at its own addresses, ET_DYN at `PIE_BASE`, all below
    /// `IMAGE_LIMIT`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ElfError> {
        Self::parse_at(bytes, PIE_BASE, IMAGE_LIMIT)
    }

    /// Parses an ELF file placing an ET_DYN file at `base` (rounded up to its alignment), its
    /// segments below `limit`: used for the program and for its interpreter.
    pub fn parse_at(bytes: &'a [u8], base: u64, limit: u64) -> Result<Self, ElfError> {
        if bytes.len() < EHDR_SIZE {
            return Err(ElfError::TooSmall);
        }
        if bytes[..4] != *b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        if bytes[4] != 2 || bytes[5] != 1 || bytes[6] != 1 {
            return Err(ElfError::Not64BitLittleEndian);
        }
        if u16_at(bytes, 18) != EM_X86_64 {
            return Err(ElfError::NotX86_64);
        }
        let is_pie = match u16_at(bytes, 16) {
            ET_EXEC => false,
            ET_DYN => true,
            _ => return Err(ElfError::NotExecutable),
        };
        let entry = u64_at(bytes, 24);
        let phoff = u64_at(bytes, 32);
        let phentsize = u16_at(bytes, 54) as usize;
        let phnum = u16_at(bytes, 56) as usize;
        if phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PHNUM {
            return Err(ElfError::BadProgramHeaders);
        }
        let table_end = phoff.checked_add((phnum * PHDR_SIZE) as u64);
        if table_end.is_none_or(|end| end > bytes.len() as u64) {
            return Err(ElfError::BadProgramHeaders);
        }
        let mut exe = Executable { bytes, phoff: phoff as usize, phnum, bias: 0, entry, is_pie, limit };
        let mut max_align = PAGE_SIZE;
        for ph in exe.raw_headers() {
            if ph.kind == PT_LOAD && ph.align > max_align {
                max_align = ph.align;
            }
        }
        if is_pie {
            if !max_align.is_power_of_two() || max_align > (1 << 30) {
                return Err(ElfError::MisalignedSegment);
            }
            exe.bias = base.next_multiple_of(max_align);
        }
        exe.validate_segments()?;
        exe.interpreter()?;
        Ok(exe)
    }

    /// The path in PT_INTERP (without its NUL), if the program names an interpreter.
    pub fn interpreter(&self) -> Result<Option<&'a [u8]>, ElfError> {
        let Some(ph) = self.raw_headers().find(|ph| ph.kind == PT_INTERP) else { return Ok(None) };
        let end = ph.offset.checked_add(ph.filesz).filter(|&end| end <= self.bytes.len() as u64);
        let Some(end) = end else { return Err(ElfError::BadInterpreter) };
        let text = &self.bytes[ph.offset as usize..end as usize];
        match text.split_last() {
            Some((0, path)) if !path.is_empty() && !path.contains(&0) => Ok(Some(path)),
            _ => Err(ElfError::BadInterpreter),
        }
    }

    /// Bytes from the lowest to the end of the highest segment: the room an ET_DYN file needs.
    pub fn span(&self) -> u64 {
        let low = self.segments().map(|s| page_floor(s.vaddr)).min().unwrap_or(0);
        self.end_of_image() - low
    }

    fn raw_headers(&self) -> impl Iterator<Item = RawPhdr> + '_ {
        (0..self.phnum).map(move |i| {
            let b = &self.bytes[self.phoff + i * PHDR_SIZE..][..PHDR_SIZE];
            RawPhdr {
                kind: u32_at(b, 0),
                flags: u32_at(b, 4),
                offset: u64_at(b, 8),
                vaddr: u64_at(b, 16),
                filesz: u64_at(b, 32),
                memsz: u64_at(b, 40),
                align: u64_at(b, 48),
            }
        })
    }

    fn validate_segments(&mut self) -> Result<(), ElfError> {
        let mut loads = 0;
        let mut entry_ok = false;
        self.entry = self.entry.checked_add(self.bias).ok_or(ElfError::EntryOutsideSegments)?;
        for ph in self.raw_headers().filter(|ph| ph.kind == PT_LOAD) {
            if ph.offset.checked_add(ph.filesz).is_none_or(|end| end > self.bytes.len() as u64) {
                return Err(ElfError::SegmentOutsideFile);
            }
            if ph.filesz > ph.memsz {
                return Err(ElfError::SegmentOutsideFile);
            }
            let start = ph.vaddr.checked_add(self.bias).ok_or(ElfError::SegmentOutsideUserSpace)?;
            let end = start.checked_add(ph.memsz).ok_or(ElfError::SegmentOutsideUserSpace)?;
            if start < USER_BOTTOM || end > self.limit {
                return Err(ElfError::SegmentOutsideUserSpace);
            }
            if ph.vaddr % PAGE_SIZE != ph.offset % PAGE_SIZE {
                return Err(ElfError::MisalignedSegment);
            }
            if ph.flags & PF_X != 0 && (start..end).contains(&self.entry) {
                entry_ok = true;
            }
            loads += 1;
        }
        if loads == 0 {
            return Err(ElfError::NoLoadableSegment);
        }
        if !entry_ok {
            return Err(ElfError::EntryOutsideSegments);
        }
        Ok(())
    }

    /// The PT_LOAD segments, biased.
    pub fn segments(&self) -> impl Iterator<Item = LoadSegment> + '_ {
        self.raw_headers().filter(|ph| ph.kind == PT_LOAD).map(|ph| LoadSegment {
            vaddr: ph.vaddr + self.bias,
            memsz: ph.memsz,
            offset: ph.offset,
            filesz: ph.filesz,
            flags: ph.flags,
        })
    }

    /// The file bytes of a segment (validated to lie in the file).
    pub fn file_bytes(&self, segment: &LoadSegment) -> &'a [u8] {
        &self.bytes[segment.offset as usize..(segment.offset + segment.filesz) as usize]
    }

    /// Where the program headers are in the loaded image (AT_PHDR), if they are loaded at all.
    pub fn phdr_address(&self) -> Option<u64> {
        if let Some(ph) = self.raw_headers().find(|ph| ph.kind == PT_PHDR) {
            return Some(ph.vaddr.wrapping_add(self.bias));
        }
        let table = self.phoff as u64;
        let size = (self.phnum * PHDR_SIZE) as u64;
        self.segments()
            .find(|s| s.offset <= table && table + size <= s.offset + s.filesz)
            .map(|s| s.vaddr + (table - s.offset))
    }

    pub fn phnum(&self) -> usize {
        self.phnum
    }

    /// First page after the highest segment: where `brk` starts.
    pub fn end_of_image(&self) -> u64 {
        self.segments().map(|s| s.end()).max().unwrap_or(0).next_multiple_of(PAGE_SIZE)
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Builds a small ELF file: a header followed by the given program headers.
    pub fn build(kind: u16, entry: u64, phdrs: &[(u32, u32, u64, u64, u64, u64)], size: usize) -> Vec<u8> {
        let mut b = vec![0u8; size.max(64 + phdrs.len() * 56)];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16..18].copy_from_slice(&kind.to_le_bytes());
        b[18..20].copy_from_slice(&62u16.to_le_bytes());
        b[24..32].copy_from_slice(&entry.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
        for (i, &(kind, flags, offset, vaddr, filesz, memsz)) in phdrs.iter().enumerate() {
            let p = &mut b[64 + i * 56..][..56];
            p[0..4].copy_from_slice(&kind.to_le_bytes());
            p[4..8].copy_from_slice(&flags.to_le_bytes());
            p[8..16].copy_from_slice(&offset.to_le_bytes());
            p[16..24].copy_from_slice(&vaddr.to_le_bytes());
            p[32..40].copy_from_slice(&filesz.to_le_bytes());
            p[40..48].copy_from_slice(&memsz.to_le_bytes());
            p[48..56].copy_from_slice(&4096u64.to_le_bytes());
        }
        b
    }

    pub fn static_exec() -> Vec<u8> {
        build(
            ET_EXEC,
            0x401000,
            &[
                (PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200),
                (PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100),
                (PT_LOAD, PF_R | PF_W, 0x1100, 0x403100, 0x10, 0x2000),
            ],
            0x2000,
        )
    }

    #[test]
    fn parses_a_static_executable() {
        let bytes = static_exec();
        let exe = Executable::parse(&bytes).unwrap();
        assert!(!exe.is_pie);
        assert_eq!(exe.entry, 0x401000);
        assert_eq!(exe.segments().count(), 3);
        assert_eq!(exe.phdr_address(), Some(0x400040));
        assert_eq!(exe.end_of_image(), 0x406000);
        let data = exe.segments().nth(2).unwrap();
        assert!(data.writable() && !data.executable());
        assert_eq!(exe.file_bytes(&data).len(), 0x10);
    }

    #[test]
    fn biases_a_static_pie() {
        let bytes = build(
            ET_DYN,
            0x1000,
            &[(PT_PHDR, PF_R, 64, 64, 56 * 3, 56 * 3), (PT_LOAD, PF_R, 0, 0, 0x200, 0x200), (PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x10, 0x10)],
            0x1100,
        );
        let exe = Executable::parse(&bytes).unwrap();
        assert!(exe.is_pie);
        assert_eq!(exe.entry, PIE_BASE + 0x1000);
        assert_eq!(exe.phdr_address(), Some(PIE_BASE + 64));
        assert_eq!(exe.segments().next().unwrap().vaddr, PIE_BASE);
    }

    #[test]
    fn names_its_interpreter() {
        let mut bytes =
            build(ET_DYN, 0x1000, &[(PT_INTERP, PF_R, 0x200, 0, 8, 8), (PT_LOAD, PF_R | PF_X, 0, 0, 0x1100, 0x1100)], 0x1100);
        bytes[0x200..0x208].copy_from_slice(b"/lib/ld\0");
        let exe = Executable::parse(&bytes).unwrap();
        assert_eq!(exe.interpreter(), Ok(Some(&b"/lib/ld"[..])));
        assert_eq!(exe.span(), 0x2000);
        bytes[0x207] = b'x';
        assert_eq!(Executable::parse(&bytes).err(), Some(ElfError::BadInterpreter));
        let outside = build(ET_DYN, 0x1000, &[(PT_INTERP, PF_R, 0x1000, 0, 0x200, 8), (PT_LOAD, PF_R | PF_X, 0, 0, 0x1100, 0x1100)], 0x1100);
        assert_eq!(Executable::parse(&outside).err(), Some(ElfError::BadInterpreter));
    }

    #[test]
    fn places_an_interpreter_at_a_chosen_base() {
        let bytes = build(ET_DYN, 0x1000, &[(PT_LOAD, PF_R | PF_X, 0, 0, 0x1100, 0x1100)], 0x1100);
        let exe = Executable::parse_at(&bytes, 0x7e00_0000_0000, crate::abi::host::USER_TOP).unwrap();
        assert_eq!(exe.entry, 0x7e00_0000_1000);
        assert_eq!(Executable::parse_at(&bytes, 0x7e00_0000_0000, IMAGE_LIMIT).err(), Some(ElfError::SegmentOutsideUserSpace));
    }

    #[test]
    fn rejects_malformed_files() {
        assert_eq!(Executable::parse(&[0; 10]).err(), Some(ElfError::TooSmall));
        let mut bad = static_exec();
        bad[0] = 0;
        assert_eq!(Executable::parse(&bad).err(), Some(ElfError::NotElf));
        let mut bad = static_exec();
        bad[18] = 3;
        assert_eq!(Executable::parse(&bad).err(), Some(ElfError::NotX86_64));
        let mut bad = static_exec();
        bad[56] = 0xff;
        bad[57] = 0xff;
        assert_eq!(Executable::parse(&bad).err(), Some(ElfError::BadProgramHeaders));
        let beyond = build(ET_EXEC, 0x401000, &[(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x5000, 0x5000)], 0x2000);
        assert_eq!(Executable::parse(&beyond).err(), Some(ElfError::SegmentOutsideFile));
        let kernel = build(ET_EXEC, 0x401000, &[(PT_LOAD, PF_R | PF_X, 0, 0xffff_8000_0000_0000, 0x100, 0x100)], 0x2000);
        assert_eq!(Executable::parse(&kernel).err(), Some(ElfError::SegmentOutsideUserSpace));
        let wrap = build(ET_EXEC, 0x401000, &[(PT_LOAD, PF_R | PF_X, 0, 0x401000, 0x100, u64::MAX)], 0x2000);
        assert_eq!(Executable::parse(&wrap).err(), Some(ElfError::SegmentOutsideUserSpace));
        let skew = build(ET_EXEC, 0x401000, &[(PT_LOAD, PF_R | PF_X, 0x10, 0x401000, 0x100, 0x100)], 0x2000);
        assert_eq!(Executable::parse(&skew).err(), Some(ElfError::MisalignedSegment));
        let no_exec_entry = build(ET_EXEC, 0x500000, &[(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x100, 0x100)], 0x2000);
        assert_eq!(Executable::parse(&no_exec_entry).err(), Some(ElfError::EntryOutsideSegments));
        let no_load = build(ET_EXEC, 0x400000, &[(PT_PHDR, PF_R, 0, 0x400000, 0x100, 0x100)], 0x2000);
        assert_eq!(Executable::parse(&no_load).err(), Some(ElfError::NoLoadableSegment));
    }
}
