//! The vDSO (vdso/vdso.c, built by build.rs) and the vvar page (host/clock.rs) in every
//! program: the vvar page read-only, the vDSO right above it readable and executable, both the
//! kernel's own frames mapped in place (never copied, never writable), the vDSO's address
//! passed in AT_SYSINFO_EHDR. glibc and musl then read the clocks without a system call.

use crate::abi::errno::ENOMEM;
use crate::abi::host::{DOOR_VA, PAGE_SIZE};
use crate::mm::memory::{prot_flags, Memory};
use crate::mm::mmu::Mmu;
use crate::mm::vma::{Vma, VmaKind, PROT_EXEC, PROT_READ};

const BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));

/// Pages the vDSO image takes.
pub const PAGES: u64 = BYTES.len().div_ceil(PAGE_SIZE as usize) as u64;

/// The vDSO padded to whole pages, in pages of its own (they are mapped into programs).
#[repr(C, align(4096))]
pub struct Image(pub [u8; PAGES as usize * PAGE_SIZE as usize]);

pub static IMAGE: Image = Image(padded());

const fn padded() -> [u8; PAGES as usize * PAGE_SIZE as usize] {
    let mut out = [0; PAGES as usize * PAGE_SIZE as usize];
    let mut i = 0;
    while i < BYTES.len() {
        out[i] = BYTES[i];
        i += 1;
    }
    out
}

/// Where the vvar page and the vDSO image lie in guest-physical memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frames {
    pub vvar: u64,
    pub image: u64,
    /// The system-call door's page (arch/x86_64/door.rs).
    pub door: u64,
}

/// The kernel's own vvar page and vDSO image.
#[cfg(not(test))]
pub fn frames() -> Frames {
    Frames {
        vvar: crate::host::clock::vvar_gpa(),
        image: crate::abi::host::gpa(IMAGE.0.as_ptr() as u64),
        door: crate::abi::host::gpa(crate::arch::door::page_kva()),
    }
}

/// Maps the vvar page and the vDSO above it in the mmap area; returns the vDSO's address
/// (the vvar page is one page below it, where vdso.c looks for it). Maps the system-call door
/// at `DOOR_VA` too, above every area a program can map (no area describes it: no call of the
/// program can unmap, move or change it).
pub fn map(mem: &mut Memory, mmu: &mut impl Mmu, frames: Frames) -> Result<u64, i64> {
    mem.tables
        .map_existing(mmu, &mut mem.frames, DOOR_VA, DOOR_VA + PAGE_SIZE, prot_flags(PROT_READ | PROT_EXEC), frames.door)
        .map_err(|_| ENOMEM)?;
    let vvar = mem.free_area((1 + PAGES) * PAGE_SIZE).ok_or(ENOMEM)?;
    let image = vvar + PAGE_SIZE;
    for (start, pages, prot, frame) in [(vvar, 1, PROT_READ, frames.vvar), (image, PAGES, PROT_READ | PROT_EXEC, frames.image)] {
        let end = start + pages * PAGE_SIZE;
        mem.vmas.insert(Vma::new(start, end, prot, VmaKind::Vdso)).map_err(|_| ENOMEM)?;
        mem.tables.map_existing(mmu, &mut mem.frames, start, end, prot_flags(prot), frame).map_err(|_| ENOMEM)?;
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    //! The image is checked as glibc's and musl's vDSO lookup read it, then run natively on
    //! this (x86-64 Linux) host over a vvar page made here, against `Clock::read`.
    use super::*;
    use crate::abi::linux::{
        CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_COARSE,
        NANOS_PER_SECOND,
    };
    use crate::host::clock::{Clock, Vvar};

    const PT_LOAD: u32 = 1;
    const PT_DYNAMIC: u32 = 2;
    const PF_X: u32 = 1;
    const PF_W: u32 = 2;
    const PF_R: u32 = 4;
    const DT_NULL: u64 = 0;
    const DT_HASH: u64 = 4;
    const DT_STRTAB: u64 = 5;
    const DT_SYMTAB: u64 = 6;
    const DT_RELA: u64 = 7;
    const DT_SONAME: u64 = 14;
    const DT_REL: u64 = 17;
    const DT_TEXTREL: u64 = 22;
    const DT_GNU_HASH: u64 = 0x6fff_fef5;
    const DT_VERSYM: u64 = 0x6fff_fff0;
    const DT_VERDEF: u64 = 0x6fff_fffc;

    fn u16_at(at: usize) -> u16 {
        u16::from_le_bytes(BYTES[at..at + 2].try_into().unwrap())
    }
    fn u32_at(at: usize) -> u32 {
        u32::from_le_bytes(BYTES[at..at + 4].try_into().unwrap())
    }
    fn u64_at(at: usize) -> u64 {
        u64::from_le_bytes(BYTES[at..at + 8].try_into().unwrap())
    }
    fn string_at(at: usize) -> &'static str {
        let len = BYTES[at..].iter().position(|&b| b == 0).unwrap();
        core::str::from_utf8(&BYTES[at..at + len]).unwrap()
    }

    /// (type, flags, offset, vaddr, filesz, memsz) of each program header.
    fn program_headers() -> Vec<(u32, u32, u64, u64, u64, u64)> {
        let (phoff, phentsize, phnum) = (u64_at(0x20) as usize, u16_at(0x36) as usize, u16_at(0x38) as usize);
        (0..phnum)
            .map(|i| {
                let h = phoff + i * phentsize;
                (u32_at(h), u32_at(h + 4), u64_at(h + 8), u64_at(h + 16), u64_at(h + 32), u64_at(h + 40))
            })
            .collect()
    }

    fn dynamic() -> Vec<(u64, u64)> {
        let (_, _, offset, _, size, _) = *program_headers().iter().find(|h| h.0 == PT_DYNAMIC).unwrap();
        (0..size as usize / 16).map(|i| (u64_at(offset as usize + 16 * i), u64_at(offset as usize + 16 * i + 8))).collect()
    }

    fn tag(tag: u64) -> Option<u64> {
        dynamic().into_iter().take_while(|&(t, _)| t != DT_NULL).find(|&(t, _)| t == tag).map(|(_, v)| v)
    }

    /// The name of version `index` in the version definitions.
    fn version_name(index: u16) -> String {
        let (strtab, mut at) = (tag(DT_STRTAB).unwrap() as usize, tag(DT_VERDEF).unwrap() as usize);
        loop {
            let (ndx, aux, next) = (u16_at(at + 4), u32_at(at + 12) as usize, u32_at(at + 16) as usize);
            if ndx == index {
                return string_at(strtab + u32_at(at + aux) as usize).to_string();
            }
            assert_ne!(next, 0, "version {index} is defined");
            at += next;
        }
    }

    /// The offset of a defined dynamic symbol and its version's name (symbols counted
    /// through DT_HASH, the table musl reads).
    fn symbol(name: &str) -> Option<(u64, String)> {
        let (symtab, strtab, versym) =
            (tag(DT_SYMTAB).unwrap() as usize, tag(DT_STRTAB).unwrap() as usize, tag(DT_VERSYM).unwrap() as usize);
        let count = u32_at(tag(DT_HASH).unwrap() as usize + 4) as usize;
        (1..count).map(|i| (i, symtab + 24 * i)).find(|&(_, sym)| string_at(strtab + u32_at(sym) as usize) == name).map(
            |(i, sym)| {
                assert_ne!(u16_at(sym + 6), 0, "{name} is defined");
                (u64_at(sym + 8), version_name(u16_at(versym + 2 * i) & 0x7fff))
            },
        )
    }

    #[test]
    fn is_one_read_and_execute_segment_from_the_file_start() {
        assert_eq!(&BYTES[..4], b"\x7fELF");
        assert_eq!(u16_at(0x10), 3, "ET_DYN");
        let loads: Vec<_> = program_headers().into_iter().filter(|h| h.0 == PT_LOAD).collect();
        assert_eq!(loads.len(), 1);
        let (_, flags, offset, vaddr, filesz, memsz) = loads[0];
        assert_eq!((flags, offset, vaddr), (PF_R | PF_X, 0, 0));
        assert_eq!(filesz, memsz, "no zero-filled part: the pages are mapped as they are");
        assert!(filesz <= PAGES * PAGE_SIZE);
        let dynamic = program_headers().into_iter().find(|h| h.0 == PT_DYNAMIC).expect("PT_DYNAMIC");
        assert_eq!(dynamic.1 & PF_W, 0, "glibc writes into a writable .dynamic");
        assert_eq!(IMAGE.0[..BYTES.len()], *BYTES);
        assert!(IMAGE.0[BYTES.len()..].iter().all(|&b| b == 0));
    }

    #[test]
    fn has_what_the_c_libraries_look_up_and_no_relocation() {
        for needed in [DT_HASH, DT_GNU_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM, DT_VERDEF, DT_SONAME] {
            assert!(tag(needed).is_some(), "dynamic tag {needed:#x}");
        }
        for absent in [DT_REL, DT_RELA, DT_TEXTREL] {
            assert_eq!(tag(absent), None, "dynamic tag {absent:#x}");
        }
        assert_eq!(string_at(tag(DT_STRTAB).unwrap() as usize + tag(DT_SONAME).unwrap() as usize), "linux-vdso.so.1");
        for name in ["clock_gettime", "clock_getres", "gettimeofday", "time", "getcpu"] {
            let (at, version) = symbol(&format!("__vdso_{name}")).unwrap();
            assert_eq!(version, "LINUX_2.6", "{name}");
            assert_eq!(symbol(name).map(|s| s.0), Some(at), "{name} is the same function");
        }
        assert_eq!(symbol("since_boot_ns"), None, "helpers stay local");
    }

    unsafe extern "C" {
        fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, offset: i64) -> *mut u8;
        fn mprotect(addr: *mut u8, len: usize, prot: i32) -> i32;
        fn munmap(addr: *mut u8, len: usize) -> i32;
        fn fork() -> i32;
        fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
        fn prctl(option: i32, arg: u64, ...) -> i32;
        fn syscall(nr: i64, ...) -> i64;
    }

    type ClockGettime = extern "C" fn(i64, *mut [i64; 2]) -> i32;
    type Gettimeofday = extern "C" fn(*mut [i64; 2], *mut [i32; 2]) -> i32;
    type Time = extern "C" fn(*mut i64) -> i64;
    type Getcpu = extern "C" fn(*mut u32, *mut u32, *mut u8) -> i32;

    /// The vvar page and the image mapped here as the kernel maps them in a program.
    struct Mapped {
        vvar: *mut u8,
        clock: Clock,
    }

    impl Mapped {
        fn new(clock: Clock) -> Self {
            let len = ((1 + PAGES) * PAGE_SIZE) as usize;
            // SAFETY: a fresh private anonymous mapping, filled, then made read-only.
            unsafe {
                let vvar = mmap(core::ptr::null_mut(), len, 3, 0x22, -1, 0);
                assert!(!vvar.is_null() && vvar as isize != -1);
                (vvar as *mut Vvar).write(Vvar { clock });
                core::ptr::copy_nonoverlapping(IMAGE.0.as_ptr(), vvar.add(PAGE_SIZE as usize), IMAGE.0.len());
                assert_eq!(mprotect(vvar, PAGE_SIZE as usize, 1), 0);
                assert_eq!(mprotect(vvar.add(PAGE_SIZE as usize), len - PAGE_SIZE as usize, 5), 0);
                Mapped { vvar, clock }
            }
        }

        fn function<F>(&self, name: &str) -> F {
            let (at, _) = symbol(name).unwrap();
            // SAFETY: the symbol is a function of the image with the C signature F.
            unsafe { core::mem::transmute_copy(&self.vvar.add((PAGE_SIZE + at) as usize)) }
        }

        fn clock_gettime(&self, id: u64) -> (i32, u64) {
            let mut ts = [0i64; 2];
            let rc = self.function::<ClockGettime>("__vdso_clock_gettime")(id as i64, &mut ts);
            (rc, ts[0] as u64 * NANOS_PER_SECOND + ts[1] as u64)
        }
    }

    impl Drop for Mapped {
        fn drop(&mut self) {
            // SAFETY: unmaps what new() mapped.
            unsafe { munmap(self.vvar, ((1 + PAGES) * PAGE_SIZE) as usize) };
        }
    }

    fn tsc() -> u64 {
        // SAFETY: rdtsc has no side effects.
        unsafe { core::arch::x86_64::_rdtsc() }
    }

    /// A clock that started a second ago at 2.5 GHz; `Clock::read` need not know the host's
    /// real TSC rate to bound what the vDSO computes from the same calibration.
    fn a_clock() -> Clock {
        Clock::new(tsc() - 2_500_000_000, 1_700_000_000 * NANOS_PER_SECOND, 2_500_000)
    }

    #[test]
    fn reads_the_clocks_as_the_kernel_does() {
        let mapped = Mapped::new(a_clock());
        for id in [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE] {
            let before = mapped.clock.read(id, tsc()).unwrap();
            let (rc, ns) = mapped.clock_gettime(id);
            let after = mapped.clock.read(id, tsc()).unwrap();
            assert_eq!(rc, 0);
            assert!(before <= ns && ns <= after, "clock {id}: {before} <= {ns} <= {after}");
        }
        let mut tv = [0i64; 2];
        let mut tz = [7i32; 2];
        let before = mapped.clock.read(CLOCK_REALTIME, tsc()).unwrap() / 1000;
        assert_eq!(mapped.function::<Gettimeofday>("__vdso_gettimeofday")(&mut tv, &mut tz), 0);
        let after = mapped.clock.read(CLOCK_REALTIME, tsc()).unwrap() / 1000;
        let micros = tv[0] as u64 * 1_000_000 + tv[1] as u64;
        assert!(before <= micros && micros <= after && tv[1] < 1_000_000);
        assert_eq!(tz, [0, 0]);
        let mut seconds = 0i64;
        let returned = mapped.function::<Time>("__vdso_time")(&mut seconds);
        assert_eq!(returned, seconds);
        assert!(seconds.abs_diff(1_700_000_001) <= 1, "{seconds}");
        let (mut cpu, mut node) = (9u32, 9u32);
        assert_eq!(mapped.function::<Getcpu>("__vdso_getcpu")(&mut cpu, &mut node, core::ptr::null_mut()), 0);
        assert_eq!((cpu, node), (0, 0));
    }

    /// A clone's host may move `tsc_at_boot` below 0 (docs/guest-abi.md, "Clocks in clones"); a
    /// TSC behind boot reads as boot. The vDSO counts as the kernel does in both cases.
    #[test]
    fn counts_modulo_two_to_the_64_as_the_kernel_does() {
        let ten_minutes = 600 * 2_500_000_000u64;
        let below_zero = Clock::new(tsc().wrapping_sub(tsc() + ten_minutes), 1_700_000_000 * NANOS_PER_SECOND, 2_500_000);
        let mapped = Mapped::new(below_zero);
        let before = mapped.clock.read(CLOCK_MONOTONIC, tsc()).unwrap();
        let (rc, ns) = mapped.clock_gettime(CLOCK_MONOTONIC);
        let after = mapped.clock.read(CLOCK_MONOTONIC, tsc()).unwrap();
        assert_eq!(rc, 0);
        assert!(before <= ns && ns <= after && ns > 600 * NANOS_PER_SECOND, "{before} <= {ns} <= {after}");

        let ahead = Mapped::new(Clock::new(tsc() + ten_minutes, 0, 2_500_000));
        assert_eq!(ahead.clock_gettime(CLOCK_MONOTONIC), (0, NANOS_PER_SECOND), "a TSC behind boot reads as boot");
    }

    #[test]
    fn reports_the_kernels_resolutions() {
        let mapped = Mapped::new(a_clock());
        let getres = mapped.function::<ClockGettime>("__vdso_clock_getres");
        for id in [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE] {
            let mut ts = [9i64; 2];
            assert_eq!(getres(id as i64, &mut ts), 0);
            assert_eq!(ts[1] as u64, mapped.clock.resolution(id).unwrap(), "clock {id}");
        }
        assert_eq!(getres(CLOCK_MONOTONIC as i64, core::ptr::null_mut()), 0);
    }

    #[test]
    fn leaves_other_clocks_to_the_system_call() {
        let mapped = Mapped::new(a_clock());
        let (rc, ns) = mapped.clock_gettime(CLOCK_PROCESS_CPUTIME_ID);
        assert_eq!(rc, 0, "this host's own clock_gettime answered");
        assert!(ns < 3600 * NANOS_PER_SECOND, "this process's CPU time, not the vvar's clock: {ns}");
        assert_eq!(mapped.clock_gettime(99).0, -22, "EINVAL, from the system call");
    }

    /// Runs `body` in a child whose seccomp filter lets only `exit` through and kills it at any
    /// other system call (SIGSYS); returns its wait status. Not strict mode: that also makes
    /// `rdtsc` fault on x86, and the vDSO's clocks read the TSC.
    fn status_without_system_calls(body: impl FnOnce() -> bool) -> i32 {
        const PR_SET_NO_NEW_PRIVS: i32 = 38;
        const PR_SET_SECCOMP: i32 = 22;
        const SECCOMP_MODE_FILTER: u64 = 2;
        const SYS_EXIT: i64 = 60;
        #[repr(C)]
        struct SockFilter(u16, u8, u8, u32);
        #[repr(C)]
        struct SockFprog(u16, *const SockFilter);
        let filter = [
            SockFilter(0x20, 0, 0, 0),                   // ld [nr]
            SockFilter(0x15, 0, 1, SYS_EXIT as u32),     // jeq #exit, allow, kill
            SockFilter(0x06, 0, 0, 0x7fff_0000),         // allow
            SockFilter(0x06, 0, 0, 0x8000_0000),         // kill the process
        ];
        let program = SockFprog(filter.len() as u16, filter.as_ptr());
        // SAFETY: the child only calls into the mapped image and then exits without unwinding
        // or touching the parent's locks.
        unsafe {
            let pid = fork();
            assert!(pid >= 0);
            if pid == 0 {
                if prctl(PR_SET_NO_NEW_PRIVS, 1u64, 0u64, 0u64, 0u64) != 0
                    || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program as *const SockFprog) != 0
                {
                    syscall(SYS_EXIT, 2i64);
                }
                let ok = body();
                syscall(SYS_EXIT, if ok { 0i64 } else { 1 });
            }
            let mut status = 0;
            assert_eq!(waitpid(pid, &mut status, 0), pid);
            status
        }
    }

    #[test]
    fn serves_its_clocks_without_a_system_call() {
        const SIGSYS: i32 = 31;
        let mapped = Mapped::new(a_clock());
        // Looked up before the fork: the lookup allocates, and malloc may ask the kernel for memory.
        let clock_gettime = mapped.function::<ClockGettime>("__vdso_clock_gettime");
        let gettimeofday = mapped.function::<Gettimeofday>("__vdso_gettimeofday");
        let time = mapped.function::<Time>("__vdso_time");
        let getcpu = mapped.function::<Getcpu>("__vdso_getcpu");
        let reads = move |id: u64| clock_gettime(id as i64, &mut [0i64; 2]) == 0;
        let status = status_without_system_calls(|| {
            let served =
                [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_MONOTONIC_COARSE].into_iter().all(reads);
            let mut tv = [0i64; 2];
            let mut seconds = 0i64;
            let (mut cpu, mut node) = (1u32, 1u32);
            served
                && gettimeofday(&mut tv, core::ptr::null_mut()) == 0
                && time(&mut seconds) > 0
                && getcpu(&mut cpu, &mut node, core::ptr::null_mut()) == 0
        });
        assert_eq!(status, 0, "the child exited 0 (a system call would have killed it with SIGSYS)");
        let fallback = status_without_system_calls(|| reads(CLOCK_PROCESS_CPUTIME_ID));
        assert_eq!(fallback & 0x7f, SIGSYS, "the CPU-time clock's system call is seen");
    }
}
