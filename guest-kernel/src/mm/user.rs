//! Access to the program's memory from system calls. Every range is checked against the
//! VMAs first (EFAULT otherwise). The kernel never dereferences user addresses: it walks the
//! page tables and copies through the direct map, demand-mapping pages on the way. Under PVM
//! without its paravirtual interface, supervisor-mode accesses to user pages fault even when
//! the pages are mapped, so this is the only way that works everywhere.

use crate::abi::errno::{EFAULT, ENAMETOOLONG};
use crate::abi::host::{kva, PAGE_SIZE};
use crate::mm::global::with_memory;
use crate::mm::memory::Access;
use crate::mm::vma::{PROT_READ, PROT_WRITE};
use core::mem::{size_of, MaybeUninit};

/// Whether the program may access `[addr, addr + len)` with `need` (PROT_* mask).
pub fn accessible(addr: u64, len: u64, need: u32) -> bool {
    with_memory(|mem, _| mem.check_user(addr, len, need))
}

/// The kernel address of user byte `va`, mapping its page first if it is not there yet.
/// The caller has checked that the page's area allows `access`.
fn kernel_address(va: u64, access: Access) -> Result<u64, i64> {
    with_memory(|mem, mmu| mem.user_byte(mmu, va, access)).map(kva)
}

/// Calls `copy(kernel_address, offset, n)` for each page-sized piece of the user range.
fn for_each_piece(addr: u64, len: usize, access: Access, mut copy: impl FnMut(u64, usize, usize)) -> Result<(), i64> {
    let mut done = 0usize;
    while done < len {
        let va = addr + done as u64;
        let n = ((PAGE_SIZE - va % PAGE_SIZE) as usize).min(len - done);
        copy(kernel_address(va, access)?, done, n);
        done += n;
    }
    Ok(())
}

/// Copies `len` bytes from the program at `src` to kernel memory at `dst`.
pub fn copy_in(dst: *mut u8, src: u64, len: usize) -> Result<(), i64> {
    if !accessible(src, len as u64, PROT_READ) {
        return Err(EFAULT);
    }
    for_each_piece(src, len, Access::Read, |from, offset, n| {
        // SAFETY: `from` is the direct-map address of `n` bytes of a mapped user page; the
        // caller owns `len` bytes at `dst`, a kernel buffer distinct from user frames.
        unsafe { core::ptr::copy_nonoverlapping(from as *const u8, dst.add(offset), n) }
    })
}

/// Copies `len` bytes from kernel memory at `src` to the program at `dst`.
pub fn copy_out(dst: u64, src: *const u8, len: usize) -> Result<(), i64> {
    if !accessible(dst, len as u64, PROT_WRITE) {
        return Err(EFAULT);
    }
    for_each_piece(dst, len, Access::Write, |to, offset, n| {
        // SAFETY: `to` is the direct-map address of `n` bytes of a writable user page; the
        // caller provides `len` readable bytes at `src`.
        unsafe { core::ptr::copy_nonoverlapping(src.add(offset), to as *mut u8, n) }
    })
}

/// Makes `[addr, addr + len)` ready for writes that must not fail later: checks that the
/// program may write it and maps its pages now (EFAULT or ENOMEM, as `copy_out` gives). A call
/// that creates something and then reports through user memory (clone's tid words) asks this
/// first, so that it fails before creating anything rather than after.
pub fn prepare_write(addr: u64, len: usize) -> Result<(), i64> {
    prepare(addr, len as u64, true)
}

/// Maps `[addr, addr + len)` for reads (or writes) if the program's areas allow them, EFAULT
/// if not: what the host asks for when a forwarded call's range is not mapped yet.
pub fn prepare(addr: u64, len: u64, write: bool) -> Result<(), i64> {
    let (need, access) = if write { (PROT_WRITE, Access::Write) } else { (PROT_READ, Access::Read) };
    if !accessible(addr, len, need) {
        return Err(EFAULT);
    }
    let len = usize::try_from(len).map_err(|_| EFAULT)?;
    for_each_piece(addr, len, access, |_, _, _| {})
}

/// Reads a plain-data value (integers, `#[repr(C)]` structs of integers) from the program.
pub fn read<T: Copy>(addr: u64) -> Result<T, i64> {
    let mut value = MaybeUninit::<T>::uninit();
    copy_in(value.as_mut_ptr() as *mut u8, addr, size_of::<T>())?;
    // SAFETY: every byte was copied in; callers only use types valid for any bit pattern.
    Ok(unsafe { value.assume_init() })
}

/// Writes a plain-data value to the program.
pub fn write<T: Copy>(addr: u64, value: &T) -> Result<(), i64> {
    copy_out(addr, value as *const T as *const u8, size_of::<T>())
}

/// Copies a NUL-terminated string from the program into `dst` (with its NUL); returns its
/// length without the NUL. ENAMETOOLONG if it does not fit.
pub fn read_string(addr: u64, dst: &mut [u8]) -> Result<usize, i64> {
    let mut copied = 0usize;
    while copied < dst.len() {
        let at = addr.checked_add(copied as u64).ok_or(EFAULT)?;
        // Page by page: the string may end just before an unmapped page.
        let n = ((PAGE_SIZE - at % PAGE_SIZE) as usize).min(dst.len() - copied);
        if !accessible(at, n as u64, PROT_READ) {
            return Err(EFAULT);
        }
        let from = kernel_address(at, Access::Read)?;
        // SAFETY: `from` is the direct-map address of `n` readable bytes of one user page.
        let page = unsafe { core::slice::from_raw_parts(from as *const u8, n) };
        match page.iter().position(|&b| b == 0) {
            Some(end) => {
                dst[copied..copied + end + 1].copy_from_slice(&page[..end + 1]);
                return Ok(copied + end);
            }
            None => {
                dst[copied..copied + n].copy_from_slice(page);
                copied += n;
            }
        }
    }
    Err(ENAMETOOLONG)
}
