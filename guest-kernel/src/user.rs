//! Access to the program's memory from system calls. Every range is checked against the
//! VMAs first (EFAULT otherwise); pages not yet present arrive through kernel-mode demand
//! faults, exactly as when the program touches them.

use crate::abi::PAGE_SIZE;
use crate::errno::{EFAULT, ENAMETOOLONG};
use crate::kernel::with_memory;
use crate::vma::{PROT_READ, PROT_WRITE};
use core::mem::{size_of, MaybeUninit};

/// Whether the program may access `[addr, addr + len)` with `need` (PROT_* mask).
pub fn accessible(addr: u64, len: u64, need: u32) -> bool {
    with_memory(|mem, _| mem.check_user(addr, len, need))
}

/// Copies `len` bytes from the program at `src` to kernel memory at `dst`.
pub fn copy_in(dst: *mut u8, src: u64, len: usize) -> Result<(), i64> {
    if !accessible(src, len as u64, PROT_READ) {
        return Err(EFAULT);
    }
    // SAFETY: the source range lies inside readable user areas (faults there are demand
    // faults) and the caller owns `len` bytes at `dst`, a kernel buffer that cannot overlap
    // user space.
    unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst, len) };
    Ok(())
}

/// Copies `len` bytes from kernel memory at `src` to the program at `dst`.
pub fn copy_out(dst: u64, src: *const u8, len: usize) -> Result<(), i64> {
    if !accessible(dst, len as u64, PROT_WRITE) {
        return Err(EFAULT);
    }
    // SAFETY: the destination lies inside writable user areas, the caller provides `len`
    // readable bytes at `src` in kernel memory.
    unsafe { core::ptr::copy_nonoverlapping(src, dst as *mut u8, len) };
    Ok(())
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
    let mut at = addr;
    while copied < dst.len() {
        // Check and copy page by page: the string may end just before an unmapped page.
        let in_page = (PAGE_SIZE - at % PAGE_SIZE) as usize;
        let n = in_page.min(dst.len() - copied);
        if !accessible(at, n as u64, PROT_READ) {
            return Err(EFAULT);
        }
        for i in 0..n {
            // SAFETY: `at + i` lies in the readable range checked above.
            let byte = unsafe { core::ptr::read_volatile((at + i as u64) as *const u8) };
            dst[copied] = byte;
            copied += 1;
            if byte == 0 {
                return Ok(copied - 1);
            }
        }
        at += n as u64;
    }
    Err(ENAMETOOLONG)
}
