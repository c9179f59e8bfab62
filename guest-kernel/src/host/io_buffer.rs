//! The I/O buffer: guest RAM the boot info reserves for staging. Every buffer and string a
//! forwarded call needs crosses here (the host sees only GPAs inside it), one call at a time.

use crate::abi::host::kva;
use crate::abi::linux::PATH_MAX;
use crate::host::boot_info;
use crate::mm::user;

/// The I/O buffer: where every forwarded buffer is staged.
pub struct IoBuffer {
    pub gpa: u64,
    pub len: usize,
}

impl IoBuffer {
    pub fn get() -> IoBuffer {
        let info = boot_info::get();
        IoBuffer { gpa: info.io_buffer, len: info.io_buffer_size as usize }
    }

    /// GPA of byte `offset` of the buffer (what the host is given).
    pub fn at(&self, offset: usize) -> u64 {
        self.gpa + offset as u64
    }

    /// Kernel pointer to byte `offset`.
    pub fn ptr(&self, offset: usize) -> *mut u8 {
        kva(self.gpa + offset as u64) as *mut u8
    }

    /// The bytes `[offset, offset + len)` of the buffer.
    pub fn slice(&self, offset: usize, len: usize) -> &mut [u8] {
        assert!(offset + len <= self.len);
        // SAFETY: the buffer is validated guest RAM reserved for staging, mapped by the direct
        // map; the kernel uses one short-lived slice of it at a time and the host touches it
        // only during a hypercall, when no slice is live.
        unsafe { core::slice::from_raw_parts_mut(self.ptr(offset), len) }
    }

    /// Stages an empty string at `offset` (the path of an fd form); returns its GPA.
    pub fn empty_path(&self, offset: usize) -> u64 {
        self.slice(offset, 1)[0] = 0;
        self.at(offset)
    }

    /// Stages the user string at `addr` at `offset`; returns its GPA.
    pub fn stage_path(&self, offset: usize, addr: u64) -> Result<u64, i64> {
        user::read_string(addr, self.slice(offset, PATH_MAX))?;
        Ok(self.at(offset))
    }
}
