//! Loading the program: its PT_LOAD segments into fresh user pages, then the initial stack
//! of the SysV x86-64 ABI (argc, argv, envp, auxv, strings, AT_RANDOM bytes).

use crate::abi::boot::ProgramStrings;
use crate::abi::errno::{E2BIG, ENOMEM};
use crate::abi::host::PAGE_SIZE;
use crate::mm::memory::{page_ceil, page_floor, prot_flags, Memory, PROGRAM_TOP, STACK_TOP};
use crate::mm::mmu::Mmu;
use crate::mm::paging::ADDRESS_MASK;
use crate::mm::vma::{Vma, VmaKind, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::proc::elf::{Executable, PHDR_SIZE, PIE_BASE};
use crate::proc::process::{GROUP_ID, USER_ID};
use crate::proc::vdso;

pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_PLATFORM: u64 = 15;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_RANDOM: u64 = 25;
pub const AT_HWCAP2: u64 = 26;
pub const AT_EXECFN: u64 = 31;
pub const AT_SYSINFO_EHDR: u64 = 33;

/// Clock ticks per second (AT_CLKTCK, sysconf(_SC_CLK_TCK)).
pub const CLOCK_TICKS: u64 = 100;

const PLATFORM: &[u8] = b"x86_64\0";

/// The strings and values that go on the initial stack.
pub struct StackContents<'a> {
    pub strings: &'a ProgramStrings<'a>,
    pub random: [u8; 16],
    /// Auxiliary vector without AT_PLATFORM, AT_RANDOM, AT_EXECFN and AT_NULL (added here).
    pub auxv: &'a [(u64, u64)],
}

/// Where things go on the stack, computed before anything is written.
struct StackPlan {
    strings_start: u64,
    platform: u64,
    random: u64,
    sp: u64,
}

impl StackContents<'_> {
    fn plan(&self, top: u64) -> StackPlan {
        let strings_len: u64 = self.strings.argv().chain(self.strings.envp()).map(|s| s.len() as u64 + 1).sum::<u64>()
            + self.strings.exec_path.len() as u64
            + 1
            + 8;
        let strings_start = top - strings_len;
        let platform = strings_start - PLATFORM.len() as u64;
        let random = (platform - 16) & !15;
        let words = 1 + self.strings.argc as u64 + 1 + self.strings.envc as u64 + 1 + 2 * (self.auxv.len() as u64 + 4);
        let sp = (random - words * 8) & !15;
        StackPlan { strings_start, platform, random, sp }
    }

    /// Bytes the stack contents take below `top`.
    pub fn size(&self, top: u64) -> u64 {
        top - self.plan(top).sp
    }

    /// Writes the contents below `top` with `write(address, bytes)`; returns the initial RSP
    /// (16-byte aligned, pointing at argc).
    pub fn write(&self, top: u64, write: &mut impl FnMut(u64, &[u8])) -> u64 {
        let plan = self.plan(top);
        let mut pointers: u64 = plan.sp;
        let mut push = |value: u64, write: &mut dyn FnMut(u64, &[u8])| {
            write(pointers, &value.to_le_bytes());
            pointers += 8;
        };
        push(self.strings.argc as u64, write);
        let mut at = plan.strings_start;
        for s in self.strings.argv() {
            push(at, write);
            write(at, s);
            write(at + s.len() as u64, &[0]);
            at += s.len() as u64 + 1;
        }
        push(0, write);
        for s in self.strings.envp() {
            push(at, write);
            write(at, s);
            write(at + s.len() as u64, &[0]);
            at += s.len() as u64 + 1;
        }
        push(0, write);
        let execfn = at;
        write(execfn, self.strings.exec_path);
        write(execfn + self.strings.exec_path.len() as u64, &[0; 9]);
        write(plan.platform, PLATFORM);
        write(plan.random, &self.random);
        for &(key, value) in self.auxv {
            push(key, write);
            push(value, write);
        }
        for (key, value) in [(AT_PLATFORM, plan.platform), (AT_RANDOM, plan.random), (AT_EXECFN, execfn), (AT_NULL, 0)] {
            push(key, write);
            push(value, write);
        }
        plan.sp
    }
}

/// Where the program starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub entry: u64,
    pub stack_pointer: u64,
    pub brk: u64,
}

/// Maps the program's segments with their permissions. The ELF file already sits in guest
/// RAM at `image_gpa` (page aligned), so file-backed pages are mapped in place rather than
/// copied (copying is slow where the kernel runs under instruction emulation). A writable
/// segment's first and last file pages may share a file page with a neighbouring segment,
/// so those two get private copies; pages past the file bytes get fresh zeroed frames.
pub fn load_segments(mem: &mut Memory, mmu: &mut impl Mmu, exe: &Executable, image_gpa: u64) -> Result<(), i64> {
    for segment in exe.segments() {
        if segment.memsz == 0 {
            continue;
        }
        let prot = if segment.readable() { PROT_READ } else { 0 }
            | if segment.writable() { PROT_WRITE } else { 0 }
            | if segment.executable() { PROT_EXEC } else { 0 };
        let flags = prot_flags(prot);
        let start = page_floor(segment.vaddr);
        let end = page_ceil(segment.end()).ok_or(ENOMEM)?;
        let file_end = if segment.filesz == 0 { start } else { page_ceil(segment.vaddr + segment.filesz).ok_or(ENOMEM)? };
        let first_frame = image_gpa + page_floor(segment.offset);
        let mut map_from = start;
        // Segments may share a boundary page: it gets the union of both permissions and a
        // private frame holding both segments' bytes.
        if let Some(shared) = mem.vmas.find(start) {
            let union = shared.prot | prot;
            mem.vmas.protect(start, start + PAGE_SIZE, union).map_err(|_| ENOMEM)?;
            mem.tables.protect(mmu, &mut mem.frames, start, start + PAGE_SIZE, prot_flags(union)).map_err(|_| ENOMEM)?;
            privatize(mem, mmu, start)?;
            let in_page = segment.filesz.min(PAGE_SIZE - segment.vaddr % PAGE_SIZE) as usize;
            mem.write_through_tables(mmu, segment.vaddr, &exe.file_bytes(&segment)[..in_page])?;
            map_from = start + PAGE_SIZE;
        }
        if map_from >= end {
            continue;
        }
        mem.vmas.insert(Vma::new(map_from, end, prot, VmaKind::Image)).map_err(|_| ENOMEM)?;
        if map_from < file_end {
            let frame = first_frame + (map_from - start);
            mem.tables.map_existing(mmu, &mut mem.frames, map_from, file_end, flags, frame).map_err(|_| ENOMEM)?;
            if segment.writable() {
                privatize(mem, mmu, map_from)?;
                privatize(mem, mmu, file_end - PAGE_SIZE)?;
            }
        }
        mem.tables.map_fresh(mmu, &mut mem.frames, map_from, end, flags).map_err(|_| ENOMEM)?;
        // The bytes after the file data in its last page belong to the zero-filled part; like
        // Linux, zero up to the page end (the dynamic loader's allocator uses the rest of the
        // page after its bss as fresh zeroed memory).
        let tail = segment.vaddr + segment.filesz;
        if segment.memsz > segment.filesz && tail % PAGE_SIZE != 0 && tail >= map_from {
            let tail_end = page_ceil(tail).ok_or(ENOMEM)?;
            zero_user(mem, mmu, tail, tail_end)?;
        }
    }
    Ok(())
}

/// Gives the page at `va` a private copy of its frame if the frame is not the allocator's
/// (i.e. it is the program image, possibly shared with another mapping).
fn privatize(mem: &mut Memory, mmu: &mut impl Mmu, va: u64) -> Result<(), i64> {
    let entry = mem.tables.entry(mmu, va);
    let frame = entry & ADDRESS_MASK;
    if mem.frames.owns(frame) {
        return Ok(());
    }
    let copy = mem.frames.alloc(mmu).ok_or(ENOMEM)?;
    let contents = *mmu.bytes(frame);
    mmu.bytes(copy).copy_from_slice(&contents);
    mem.tables.replace_frame(mmu, &mut mem.frames, va, copy).map_err(|_| ENOMEM)?;
    Ok(())
}

fn zero_user(mem: &mut Memory, mmu: &mut impl Mmu, start: u64, end: u64) -> Result<(), i64> {
    const ZEROS: [u8; PAGE_SIZE as usize] = [0; PAGE_SIZE as usize];
    mem.write_through_tables(mmu, start, &ZEROS[..(end - start) as usize])
}

/// The program's interpreter (PT_INTERP), its file already read whole into frames at `gpa`.
pub struct Interpreter<'a> {
    pub bytes: &'a [u8],
    pub gpa: u64,
}

/// Why loading failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// Out of memory, or arguments too large (the errno).
    Errno(i64),
    /// The interpreter is not a loadable ELF file.
    BadInterpreter(crate::proc::elf::ElfError),
}

impl From<i64> for LoadError {
    fn from(errno: i64) -> Self {
        LoadError::Errno(errno)
    }
}

/// The images mapped and the auxiliary vector that describes them: all of a start but the
/// stack, which a warm start builds only after its start message arrived.
pub struct Mapped {
    entry: u64,
    brk: u64,
    stack_bottom: u64,
    auxv: [(u64, u64); 16],
}

/// Maps the program (and its interpreter, if it has one) and the vDSO. With an interpreter,
/// the interpreter is entered and finds the program through AT_PHDR/AT_ENTRY, and itself
/// through AT_BASE.
#[allow(clippy::too_many_arguments)]
pub fn map(
    mem: &mut Memory,
    mmu: &mut impl Mmu,
    exe: &Executable,
    image_gpa: u64,
    interpreter: Option<Interpreter>,
    hwcap: u64,
    stack_size: u64,
    vdso: vdso::Frames,
) -> Result<Mapped, LoadError> {
    load_segments(mem, mmu, exe, image_gpa)?;
    let stack_bottom = STACK_TOP - stack_size;
    let brk = exe.end_of_image();
    mem.set_layout(brk, stack_bottom);
    let (entry, base) = match interpreter {
        Some(interp) => {
            let probe = Executable::parse_at(interp.bytes, PIE_BASE, PROGRAM_TOP).map_err(LoadError::BadInterpreter)?;
            // Room for the span plus the largest alignment the file may ask for.
            let room = probe.span().checked_add(probe.bias - PIE_BASE + (1 << 21)).ok_or(ENOMEM)?;
            let base = mem.free_area(room).ok_or(ENOMEM)?;
            let placed = Executable::parse_at(interp.bytes, base, PROGRAM_TOP).map_err(LoadError::BadInterpreter)?;
            load_segments(mem, mmu, &placed, interp.gpa)?;
            (placed.entry, placed.bias)
        }
        None => (exe.entry, 0),
    };
    let vdso = vdso::map(mem, mmu, vdso)?;
    let auxv = [
        (AT_SYSINFO_EHDR, vdso),
        (AT_PHDR, exe.phdr_address().unwrap_or(0)),
        (AT_PHENT, PHDR_SIZE as u64),
        (AT_PHNUM, exe.phnum() as u64),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, base),
        (AT_FLAGS, 0),
        (AT_ENTRY, exe.entry),
        (AT_UID, USER_ID),
        (AT_EUID, USER_ID),
        (AT_GID, GROUP_ID),
        (AT_EGID, GROUP_ID),
        (AT_SECURE, 0),
        (AT_HWCAP, hwcap),
        (AT_HWCAP2, 0),
        (AT_CLKTCK, CLOCK_TICKS),
    ];
    Ok(Mapped { entry, brk, stack_bottom, auxv })
}

/// Builds the initial stack below STACK_TOP for the images `mapped`; afterwards the program
/// can be entered.
pub fn build_stack(
    mem: &mut Memory,
    mmu: &mut impl Mmu,
    mapped: &Mapped,
    strings: &ProgramStrings,
    random: [u8; 16],
) -> Result<Loaded, LoadError> {
    let contents = StackContents { strings, random, auxv: &mapped.auxv };
    let needed = page_ceil(contents.size(STACK_TOP)).ok_or(E2BIG)?;
    // Like Linux, argv and envp may take at most a quarter of the stack.
    if needed > (STACK_TOP - mapped.stack_bottom) / 4 {
        return Err(E2BIG.into());
    }
    mem.vmas.insert(Vma::new(mapped.stack_bottom, STACK_TOP, PROT_READ | PROT_WRITE, VmaKind::Stack)).map_err(|_| ENOMEM)?;
    mem.populate(mmu, STACK_TOP - needed, STACK_TOP)?;
    let mut failed = false;
    let sp = contents.write(STACK_TOP, &mut |va, bytes| failed |= mem.write_through_tables(mmu, va, bytes).is_err());
    if failed {
        return Err(ENOMEM.into());
    }
    Ok(Loaded { entry: mapped.entry, stack_pointer: sp, brk: mapped.brk })
}

/// `map`, then `build_stack`, as boot does (the tests' shorthand).
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub fn load(
    mem: &mut Memory,
    mmu: &mut impl Mmu,
    exe: &Executable,
    image_gpa: u64,
    interpreter: Option<Interpreter>,
    strings: &ProgramStrings,
    random: [u8; 16],
    hwcap: u64,
    stack_size: u64,
    vdso: vdso::Frames,
) -> Result<Loaded, LoadError> {
    let mapped = map(mem, mmu, exe, image_gpa, interpreter, hwcap, stack_size, vdso)?;
    build_stack(mem, mmu, &mapped, strings, random)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proc::elf::tests::static_exec;
    use crate::mm::frame::FrameAllocator;
    use crate::mm::mmu::testing::TestMmu;
    use crate::mm::paging::PageTables;

    /// Guest RAM of 512 pages with `bytes` at IMAGE (never handed out by the allocator).
    const IMAGE: u64 = 0x1c_0000;

    /// Stand-ins for the kernel's vvar page and vDSO frames, above the program's.
    const VDSO: vdso::Frames = vdso::Frames { vvar: 0x1f_0000, image: 0x1f_1000, door: 0x1f_e000 };

    fn with_image(bytes: &[u8]) -> (TestMmu, Memory) {
        let mut mmu = TestMmu::new(512);
        for (i, chunk) in bytes.chunks(PAGE_SIZE as usize).enumerate() {
            mmu.bytes(IMAGE + i as u64 * PAGE_SIZE)[..chunk.len()].copy_from_slice(chunk);
        }
        (mmu, Memory::new(PageTables::new(0x1000), FrameAllocator::new(0x2000, IMAGE)))
    }

    fn read_u64(mem: &mut Memory, mmu: &mut TestMmu, va: u64) -> u64 {
        let pa = mem.tables.translate(mmu, va).unwrap();
        u64::from_le_bytes(mmu.bytes(pa & !0xfff)[(pa & 0xfff) as usize..][..8].try_into().unwrap())
    }

    fn read_str(mem: &mut Memory, mmu: &mut TestMmu, va: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let pa = mem.tables.translate(mmu, va + out.len() as u64).unwrap();
            let b = mmu.bytes(pa & !0xfff)[(pa & 0xfff) as usize];
            if b == 0 {
                return out;
            }
            out.push(b);
        }
    }

    #[test]
    fn builds_the_sysv_initial_stack() {
        let bytes = static_exec();
        let (mut mmu, mut mem) = with_image(&bytes);
        let exe = Executable::parse(&bytes).unwrap();
        let strings = ProgramStrings::parse(b"/bin/prog\0prog\0arg one\0HOME=/tmp\0", 2, 1).unwrap();
        let loaded = load(&mut mem, &mut mmu, &exe, IMAGE, None, &strings, [7; 16], 0x1234, 8 << 20, VDSO).unwrap();
        assert_eq!(loaded.entry, 0x401000);
        assert_eq!(loaded.brk, 0x406000);
        let sp = loaded.stack_pointer;
        assert_eq!(sp % 16, 0);
        assert_eq!(read_u64(&mut mem, &mut mmu, sp), 2);
        let argv0 = read_u64(&mut mem, &mut mmu, sp + 8);
        assert_eq!(read_str(&mut mem, &mut mmu, argv0), b"prog");
        let argv1 = read_u64(&mut mem, &mut mmu, sp + 16);
        assert_eq!(read_str(&mut mem, &mut mmu, argv1), b"arg one");
        assert_eq!(read_u64(&mut mem, &mut mmu, sp + 24), 0);
        let env0 = read_u64(&mut mem, &mut mmu, sp + 32);
        assert_eq!(read_str(&mut mem, &mut mmu, env0), b"HOME=/tmp");
        assert_eq!(read_u64(&mut mem, &mut mmu, sp + 40), 0);
        let mut aux = std::collections::HashMap::new();
        let mut at = sp + 48;
        loop {
            let (k, v) = (read_u64(&mut mem, &mut mmu, at), read_u64(&mut mem, &mut mmu, at + 8));
            at += 16;
            if k == AT_NULL {
                break;
            }
            aux.insert(k, v);
        }
        assert_eq!(aux[&AT_PHDR], 0x400040);
        assert_eq!(aux[&AT_PHNUM], 3);
        assert_eq!(aux[&AT_ENTRY], 0x401000);
        assert_eq!(aux[&AT_PAGESZ], 4096);
        assert_eq!(aux[&AT_HWCAP], 0x1234);
        assert_eq!(aux[&AT_UID], USER_ID);
        assert_eq!(read_str(&mut mem, &mut mmu, aux[&AT_EXECFN]), b"/bin/prog");
        assert_eq!(read_str(&mut mem, &mut mmu, aux[&AT_PLATFORM]), b"x86_64");
        let random = aux[&AT_RANDOM];
        assert_eq!(random % 16, 0);
        assert_eq!(read_u64(&mut mem, &mut mmu, random), 0x0707_0707_0707_0707);
        assert!(aux[&AT_EXECFN] < STACK_TOP);
        let vdso = aux[&AT_SYSINFO_EHDR];
        assert_eq!(mem.tables.translate(&mut mmu, vdso), Some(VDSO.image), "the vDSO is mapped in place");
        assert_eq!(mem.tables.translate(&mut mmu, vdso - PAGE_SIZE), Some(VDSO.vvar), "the vvar page right below it");
        assert_eq!(mem.vmas.find(vdso).map(|v| (v.kind, v.prot)), Some((VmaKind::Vdso, PROT_READ | PROT_EXEC)));
        assert_eq!(mem.vmas.find(vdso - 1).map(|v| (v.kind, v.prot)), Some((VmaKind::Vdso, PROT_READ)));
        assert_eq!(mem.tables.entry(&mut mmu, vdso - PAGE_SIZE) & crate::mm::paging::PTE_WRITABLE, 0);
        assert!(mem.tables.entry(&mut mmu, vdso - PAGE_SIZE) & crate::mm::paging::PTE_NO_EXECUTE != 0);
    }

    #[test]
    fn the_vdso_and_vvar_may_not_become_writable_nor_lose_their_frames() {
        let bytes = static_exec();
        let (mut mmu, mut mem) = with_image(&bytes);
        let exe = Executable::parse(&bytes).unwrap();
        let strings = ProgramStrings::parse(b"/p\0p\0", 1, 0).unwrap();
        load(&mut mem, &mut mmu, &exe, IMAGE, None, &strings, [0; 16], 0, 8 << 20, VDSO).unwrap();
        let vvar = mem.vmas.iter().find(|v| v.kind == VmaKind::Vdso).unwrap().start;
        let whole = (1 + vdso::PAGES) * PAGE_SIZE;
        assert_eq!(mem.mprotect(&mut mmu, vvar, PAGE_SIZE, (PROT_READ | PROT_WRITE) as u64), Err(crate::abi::errno::EACCES));
        assert_eq!(mem.mprotect(&mut mmu, vvar + PAGE_SIZE, PAGE_SIZE, (PROT_READ | PROT_WRITE) as u64), Err(crate::abi::errno::EACCES));
        assert_eq!(mem.tables.entry(&mut mmu, vvar) & crate::mm::paging::PTE_WRITABLE, 0, "nothing changed");
        assert_eq!(mem.mprotect(&mut mmu, vvar, whole, PROT_READ as u64), Ok(0), "less access is allowed");
        let free_before = mem.frames.available();
        mem.munmap(&mut mmu, vvar, whole).unwrap();
        assert_eq!(mem.frames.available(), free_before, "the kernel's frames never reach the allocator");
    }

    #[test]
    fn the_system_call_door_lies_above_what_the_program_may_map_change_or_unmap() {
        use crate::abi::host::{DOOR_VA, USER_TOP};
        use crate::abi::errno::{EINVAL, ENOMEM};
        use crate::mm::paging::{PTE_NO_EXECUTE, PTE_USER, PTE_WRITABLE};
        let bytes = static_exec();
        let (mut mmu, mut mem) = with_image(&bytes);
        let exe = Executable::parse(&bytes).unwrap();
        let strings = ProgramStrings::parse(b"/p\0p\0", 1, 0).unwrap();
        load(&mut mem, &mut mmu, &exe, IMAGE, None, &strings, [0; 16], 0, 8 << 20, VDSO).unwrap();
        let door = |mem: &mut Memory, mmu: &mut _| (mem.tables.translate(mmu, DOOR_VA), mem.tables.entry(mmu, DOOR_VA));
        let (frame, entry) = door(&mut mem, &mut mmu);
        assert_eq!(frame, Some(VDSO.door), "the kernel's door page, in place");
        assert!(entry & PTE_USER != 0 && entry & PTE_WRITABLE == 0 && entry & PTE_NO_EXECUTE == 0, "user, read-only, executable");
        assert!(mem.vmas.find(DOOR_VA).is_none(), "no area: the program's calls never reach it");
        assert_eq!(mem.munmap(&mut mmu, DOOR_VA, PAGE_SIZE), Err(EINVAL));
        assert_eq!(mem.munmap(&mut mmu, DOOR_VA - PAGE_SIZE, 2 * PAGE_SIZE), Err(EINVAL));
        assert_eq!(mem.mmap(&mut mmu, DOOR_VA, PAGE_SIZE, PROT_READ as u64, 0x22 | 0x10), Err(ENOMEM), "MAP_FIXED");
        let hinted = mem.mmap(&mut mmu, DOOR_VA, PAGE_SIZE, PROT_READ as u64, 0x22).unwrap();
        assert!(hinted < DOOR_VA, "a hint at the door is not taken");
        assert_eq!(mem.mprotect(&mut mmu, DOOR_VA, PAGE_SIZE, (PROT_READ | PROT_WRITE) as u64), Err(ENOMEM));
        assert_eq!(mem.mprotect(&mut mmu, DOOR_VA, PAGE_SIZE, 0), Err(ENOMEM));
        assert_eq!(door(&mut mem, &mut mmu), (frame, entry), "nothing changed");
        assert_eq!(DOOR_VA + PAGE_SIZE, USER_TOP);
    }

    #[test]
    fn maps_segments_with_their_permissions_and_bytes() {
        let mut bytes = static_exec();
        bytes[0x1000..0x1004].copy_from_slice(b"\x90\x90\xc3\x00");
        bytes[0x1100..0x1104].copy_from_slice(b"data");
        bytes[0x1110..0x1200].fill(0xee); // file bytes past the data segment's filesz
        let (mut mmu, mut mem) = with_image(&bytes);
        let exe = Executable::parse(&bytes).unwrap();
        load_segments(&mut mem, &mut mmu, &exe, IMAGE).unwrap();
        let text = mem.vmas.find(0x401000).unwrap();
        assert_eq!(text.prot, PROT_READ | PROT_EXEC);
        let data = mem.vmas.find(0x403100).unwrap();
        assert_eq!(data.prot, PROT_READ | PROT_WRITE);
        assert_eq!(data.end, 0x406000);
        let pa = mem.tables.translate(&mut mmu, 0x403100).unwrap();
        assert_eq!(&mmu.bytes(pa & !0xfff)[0x100..0x104], b"data");
        assert!(mmu.bytes(pa & !0xfff)[0x110..].iter().all(|&b| b == 0), "the last file page is zeroed after the data");
        let bss = mem.tables.translate(&mut mmu, 0x405000).unwrap();
        assert!(mmu.bytes(bss).iter().all(|&b| b == 0));
        assert_eq!(mem.tables.translate(&mut mmu, 0x401000), Some(IMAGE + 0x1000), "text is mapped in place");
        assert!(mem.frames.owns(pa & !0xfff), "the writable page is a private copy");
        assert_eq!(mmu.bytes(IMAGE + 0x1000)[0x110], 0xee, "the image itself is untouched");
        let entry = mem.tables.entry(&mut mmu, 0x401000);
        assert_eq!(entry & crate::mm::paging::PTE_NO_EXECUTE, 0);
        assert_eq!(entry & crate::mm::paging::PTE_WRITABLE, 0);
    }

    #[test]
    fn shared_boundary_pages_get_both_permissions() {
        use crate::proc::elf::{tests::build, PF_R, PF_W, PF_X, PT_LOAD};
        let mut bytes = build(
            2,
            0x401000,
            &[(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x800, 0x800), (PT_LOAD, PF_R | PF_W, 0x1800, 0x401800, 0x100, 0x1000)],
            0x2000,
        );
        bytes[0x1000] = 0xc3;
        bytes[0x1800] = 0x42;
        let (mut mmu, mut mem) = with_image(&bytes);
        let exe = Executable::parse(&bytes).unwrap();
        load_segments(&mut mem, &mut mmu, &exe, IMAGE).unwrap();
        let shared = mem.tables.translate(&mut mmu, 0x401000).unwrap();
        assert!(mem.frames.owns(shared));
        assert_eq!((mmu.bytes(shared)[0], mmu.bytes(shared)[0x800]), (0xc3, 0x42));
        assert_eq!(mem.vmas.find(0x401000).unwrap().prot, PROT_READ | PROT_WRITE | PROT_EXEC);
        assert_eq!(mem.vmas.find(0x402000).unwrap().prot, PROT_READ | PROT_WRITE);
    }

    #[test]
    fn refuses_arguments_larger_than_a_quarter_of_the_stack() {
        let bytes = static_exec();
        let (mut mmu, mut mem) = with_image(&bytes);
        let exe = Executable::parse(&bytes).unwrap();
        let mut block = b"/p\0".to_vec();
        block.extend(std::iter::repeat_n(b'a', 20000));
        block.push(0);
        let strings = ProgramStrings::parse(&block, 1, 0).unwrap();
        assert_eq!(load(&mut mem, &mut mmu, &exe, IMAGE, None, &strings, [0; 16], 0, 64 << 10, VDSO), Err(LoadError::Errno(E2BIG)));
    }

    #[test]
    fn enters_the_interpreter_with_the_program_in_the_auxv() {
        use crate::proc::elf::{tests::build, PF_R, PF_X, PT_LOAD};
        let program = static_exec();
        let mut interp = build(3, 0x1000, &[(PT_LOAD, PF_R | PF_X, 0, 0, 0x1100, 0x1100)], 0x1100);
        interp[0x1000] = 0xc3;
        // The interpreter's file sits in frames right after the program's.
        let interp_gpa = IMAGE + 0x2000;
        let (mut mmu, mut mem) = with_image(&program);
        for (i, chunk) in interp.chunks(PAGE_SIZE as usize).enumerate() {
            mmu.bytes(interp_gpa + i as u64 * PAGE_SIZE)[..chunk.len()].copy_from_slice(chunk);
        }
        let exe = Executable::parse(&program).unwrap();
        let strings = ProgramStrings::parse(b"/bin/prog\0prog\0", 1, 0).unwrap();
        let interpreter = Interpreter { bytes: &interp, gpa: interp_gpa };
        let loaded = load(&mut mem, &mut mmu, &exe, IMAGE, Some(interpreter), &strings, [0; 16], 0, 8 << 20, VDSO).unwrap();
        let base = loaded.entry - 0x1000;
        assert_eq!(base % PAGE_SIZE, 0);
        assert!(base >= crate::mm::memory::IMAGE_LIMIT && base < STACK_TOP - (8 << 20), "in the mmap area");
        assert_eq!(mem.tables.translate(&mut mmu, loaded.entry), Some(interp_gpa + 0x1000), "mapped in place");
        let mut aux = std::collections::HashMap::new();
        let mut at = loaded.stack_pointer + 8 * 4;
        loop {
            let (k, v) = (read_u64(&mut mem, &mut mmu, at), read_u64(&mut mem, &mut mmu, at + 8));
            at += 16;
            if k == AT_NULL {
                break;
            }
            aux.insert(k, v);
        }
        assert_eq!(aux[&AT_BASE], base);
        assert_eq!(aux[&AT_ENTRY], 0x401000);
        assert_eq!(aux[&AT_PHDR], 0x400040);
        assert_eq!(loaded.brk, 0x406000);
    }
}
